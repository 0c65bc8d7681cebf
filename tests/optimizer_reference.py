#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Reference numbers for tests/test_optimizers.cpp.

An independent transcription, in double precision and the Python standard library only, of
Keras 3's optimizer update rules (keras/src/optimizers/{sgd,rmsprop,adam,adamw,nadam,adagrad}.py,
base_optimizer.py and schedules/learning_rate_schedule.py), written from the math, not from the
Keras code:

  every step      grads are clipped (clipnorm per gradient, else global_clipnorm over all, else
                  clipvalue), then w ← w − w·weight_decay·lr, then the update at lr(iterations),
                  then iterations += 1
  SGD             m ← μ·m − lr·g;  w ← w + m, or with nesterov w ← w + μ·m − lr·g;  μ = 0: w − lr·g
  RMSprop         v ← ρ·v + (1 − ρ)·g²;  centered: ḡ ← ρ·ḡ + (1 − ρ)·g, d = v − ḡ² + ε, else d = v + ε;
                  Δ = lr·g/√d;  momentum > 0: p ← momentum·p + Δ, w ← w − p;  else w ← w − Δ
  Adam            t = iterations + 1;  α = lr·√(1 − β₂ᵗ)/(1 − β₁ᵗ);  m ← m + (g − m)(1 − β₁);
                  v ← v + (g² − v)(1 − β₂);  amsgrad: v̂ ← max(v̂, v) and v̂ replaces v;
                  w ← w − α·m/(√v + ε)
  AdamW           Adam with weight_decay defaulting to 0.004
  Nadam           once per step: u_product ← u_product·β₁·(1 − ½·0.96ᵗ);  per variable
                  uₜ = β₁(1 − ½·0.96ᵗ), uₜ₊₁ = β₁(1 − ½·0.96ᵗ⁺¹);  m, v as Adam;
                  m̂ = uₜ₊₁·m/(1 − u_product·uₜ₊₁) + (1 − uₜ)·g/(1 − u_product);  v̂ = v/(1 − β₂ᵗ);
                  w ← w − lr·m̂/(√v̂ + ε)
  Adagrad         a starts at initial_accumulator_value;  a ← a + g²;  w ← w − lr·g/√(a + ε)
  clip_by_norm    g·c/max(‖g‖, c)
  global clip     g·c·min(1/‖G‖, 1/c) + (‖G‖ − ‖G‖)   (a non-finite norm makes every gradient NaN)
  schedules       ExponentialDecay: lr₀·rate^(step/decay_steps);  PiecewiseConstantDecay:
                  values[0] for step ≤ b[0], values[i] for b[i−1] < step ≤ b[i], values[-1] after

Two mlp behaviours that are not Keras' are modelled as mlp documents them (include/mlp/optimizer.hpp):
set_learning_rate() drops a schedule (Keras raises TypeError), and build() on a built optimizer
starts it afresh (Keras ignores the second build).

Usage:
  optimizer_reference.py                                  print every test's expected values
                                                          (9 significant digits, test order)
  optimizer_reference.py --check tests/test_optimizers.cpp
      parse every numeric expectation of the test file (expect_values(..., {…}, "label"),
      EXPECT_NEAR / EXPECT_DOUBLE_EQ with a literal, EXPECT_TRUE(std::isnan(...)) and the
      Parallel test's run(opt, w1, w2) calls), compare each with the value computed here within
      the test's own tolerance, and exit 1 on any mismatch, on an expectation this script has no
      reference for, or on a reference the file no longer checks.
"""

import math
import re
import sys

# ---- schedules --------------------------------------------------------------------------------


class ExponentialDecay:
    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False):
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.decay_rate = decay_rate
        self.staircase = staircase

    def __call__(self, step):
        p = step / self.decay_steps
        if self.staircase:
            p = math.floor(p)
        return self.initial_learning_rate * self.decay_rate**p


class PiecewiseConstantDecay:
    def __init__(self, boundaries, values):
        assert len(values) == len(boundaries) + 1
        self.boundaries = boundaries
        self.values = values

    def __call__(self, step):
        for boundary, value in zip(self.boundaries, self.values):
            if step <= boundary:
                return value
        return self.values[-1]


# ---- optimizers -------------------------------------------------------------------------------


class Optimizer:
    """State: iterations, one list of floats per (slot kind, parameter); parameters are lists."""

    slot_kinds = ()

    def __init__(self, learning_rate, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None):
        if sum(x is not None for x in (clipnorm, clipvalue, global_clipnorm)) > 1:
            raise ValueError("only one of clipnorm, clipvalue and global_clipnorm")
        self._learning_rate = learning_rate  # a float or a schedule (callable of the step)
        self.weight_decay = weight_decay
        self.clipnorm = clipnorm
        self.clipvalue = clipvalue
        self.global_clipnorm = global_clipnorm
        self.iterations = 0
        self.params = []
        self.state = {}

    @property
    def learning_rate(self):
        if callable(self._learning_rate):
            return self._learning_rate(self.iterations)
        return self._learning_rate

    def set_learning_rate(self, lr):
        self._learning_rate = lr  # mlp: a constant replaces any schedule

    def initial_slot_value(self, kind):
        return 0.0

    def build(self, params):
        self.params = params
        self.iterations = 0
        self.state = {kind: [[self.initial_slot_value(kind)] * len(p) for p in params]
                      for kind in self.slot_kinds}

    def slots(self):
        """Every slot buffer in Keras' order: each kind for every parameter, kind by kind."""
        return [buf for kind in self.slot_kinds for buf in self.state[kind]]

    def _clip(self, grads):
        if self.clipnorm:
            clipped = []
            for g in grads:
                l2sum = sum(x * x for x in g)
                l2norm = math.sqrt(l2sum) if l2sum > 0 else l2sum
                clipped.append([x * self.clipnorm / max(l2norm, self.clipnorm) for x in g])
            return clipped
        if self.global_clipnorm:
            norm = math.sqrt(sum(x * x for g in grads for x in g))
            inverse = 1.0 / norm if norm != 0 else math.inf
            scale = self.global_clipnorm * min(inverse, 1.0 / self.global_clipnorm) + (norm - norm)
            return [[x * scale for x in g] for g in grads]
        if self.clipvalue:
            c = self.clipvalue
            return [[min(max(x, -c), c) for x in g] for g in grads]
        return [list(g) for g in grads]

    def apply(self, grads):
        assert len(grads) == len(self.params)
        grads = self._clip(grads)
        if self.weight_decay is not None:
            lr = self.learning_rate
            for w in self.params:
                for k in range(len(w)):
                    w[k] = w[k] - w[k] * self.weight_decay * lr
        self.update_all(grads, self.learning_rate)
        self.iterations += 1

    def update_all(self, grads, lr):
        for i, g in enumerate(grads):
            self.update_step(i, g, self.params[i], lr)


class SGD(Optimizer):
    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, **base):
        super().__init__(learning_rate, **base)
        self.momentum = momentum
        self.nesterov = nesterov
        self.slot_kinds = ("momentum",) if momentum != 0 else ()

    def update_step(self, i, g, w, lr):
        if self.momentum == 0:
            for k in range(len(w)):
                w[k] -= g[k] * lr
            return
        m = self.state["momentum"][i]
        for k in range(len(w)):
            m[k] = m[k] * self.momentum - g[k] * lr
            if self.nesterov:
                w[k] += m[k] * self.momentum - g[k] * lr
            else:
                w[k] += m[k]


class RMSprop(Optimizer):
    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False,
                 **base):
        super().__init__(learning_rate, **base)
        self.rho = rho
        self.momentum = momentum
        self.epsilon = epsilon
        self.centered = centered
        self.slot_kinds = (("velocity",) + (("momentum",) if momentum > 0 else ())
                           + (("average_gradient",) if centered else ()))

    def update_step(self, i, g, w, lr):
        v = self.state["velocity"][i]
        for k in range(len(w)):
            v[k] = self.rho * v[k] + (1 - self.rho) * g[k] * g[k]
            if self.centered:
                a = self.state["average_gradient"][i]
                a[k] = self.rho * a[k] + (1 - self.rho) * g[k]
                denominator = v[k] - a[k] * a[k] + self.epsilon
            else:
                denominator = v[k] + self.epsilon
            increment = lr * g[k] / math.sqrt(denominator)
            if self.momentum > 0:
                p = self.state["momentum"][i]
                p[k] = self.momentum * p[k] + increment
                w[k] -= p[k]
            else:
                w[k] -= increment


class Adam(Optimizer):
    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False,
                 **base):
        super().__init__(learning_rate, **base)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.amsgrad = amsgrad
        self.slot_kinds = ("momentum", "velocity") + (("velocity_hat",) if amsgrad else ())

    def alpha(self, lr):
        t = self.iterations + 1
        return lr * math.sqrt(1 - self.beta_2**t) / (1 - self.beta_1**t)

    def update_step(self, i, g, w, lr):
        alpha = self.alpha(lr)
        m = self.state["momentum"][i]
        v = self.state["velocity"][i]
        for k in range(len(w)):
            m[k] += (g[k] - m[k]) * (1 - self.beta_1)
            v[k] += (g[k] * g[k] - v[k]) * (1 - self.beta_2)
            denominator_v = v[k]
            if self.amsgrad:
                v_hat = self.state["velocity_hat"][i]
                v_hat[k] = max(v_hat[k], v[k])
                denominator_v = v_hat[k]
            w[k] -= m[k] * alpha / (math.sqrt(denominator_v) + self.epsilon)


class AdamW(Adam):
    def __init__(self, learning_rate=0.001, weight_decay=0.004, **rest):
        super().__init__(learning_rate, weight_decay=weight_decay, **rest)


class Nadam(Optimizer):
    slot_kinds = ("momentum", "velocity")

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, **base):
        super().__init__(learning_rate, **base)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.u_product = 1.0

    def build(self, params):
        super().build(params)
        self.u_product = 1.0

    def update_all(self, grads, lr):
        t = self.iterations + 1
        self.u_product = self.u_product * self.beta_1 * (1.0 - 0.5 * 0.96**t)
        super().update_all(grads, lr)

    def m_hat(self, g, m):
        t = self.iterations + 1
        u_t = self.beta_1 * (1.0 - 0.5 * 0.96**t)
        u_t1 = self.beta_1 * (1.0 - 0.5 * 0.96 ** (t + 1))
        return u_t1 * m / (1 - self.u_product * u_t1) + (1 - u_t) * g / (1 - self.u_product)

    def update_step(self, i, g, w, lr):
        t = self.iterations + 1
        m = self.state["momentum"][i]
        v = self.state["velocity"][i]
        for k in range(len(w)):
            m[k] += (g[k] - m[k]) * (1 - self.beta_1)
            v[k] += (g[k] * g[k] - v[k]) * (1 - self.beta_2)
            v_hat = v[k] / (1 - self.beta_2**t)
            w[k] -= self.m_hat(g[k], m[k]) * lr / (math.sqrt(v_hat) + self.epsilon)


class Adagrad(Optimizer):
    slot_kinds = ("accumulator",)

    def __init__(self, learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7, **base):
        super().__init__(learning_rate, **base)
        self.initial_accumulator_value = initial_accumulator_value
        self.epsilon = epsilon

    def initial_slot_value(self, kind):
        return self.initial_accumulator_value

    def update_step(self, i, g, w, lr):
        a = self.state["accumulator"][i]
        for k in range(len(w)):
            a[k] += g[k] * g[k]
            w[k] -= lr * g[k] / math.sqrt(a[k] + self.epsilon)


# ---- the test cases, in the order of tests/test_optimizers.cpp --------------------------------

GRADIENTS = [[0.5, -1.0], [0.2, 0.4], [-0.3, 0.1]]  # kGradients
CASES = {}  # "Suite.Name" -> function(Case)


class Case:
    """What one TEST expects, in its order: ('values', label, [..]), ('scalar', expr, x),
    ('nan', expr, x) and ('note', text, x) (comment values: printed, not checked)."""

    def __init__(self):
        self.records = []

    def values(self, label, vector):
        self.records.append(("values", label, list(vector)))

    def scalar(self, expr, value):
        self.records.append(("scalar", expr, value))

    def nan(self, expr, value):
        self.records.append(("nan", expr, value))

    def note(self, text, value):
        self.records.append(("note", text, value))


def case(name):
    def register(fn):
        CASES[name] = fn
        return fn
    return register


def fresh():
    return [1.0, -2.0]


def step(opt, t):
    """Optimizer step t (0-based) of a one-parameter optimizer with kGradients[t]."""
    opt.apply([GRADIENTS[t]])


def defaults(c, opt, accessors):
    for accessor in accessors:
        c.scalar(f"opt.{accessor}()", getattr(opt, accessor))


@case("SGD.DefaultsAreKeras")
def _(c):
    defaults(c, SGD(), ["learning_rate", "momentum"])


@case("SGD.PlainStepsAreWMinusLrG")
def _(c):
    p = fresh()
    opt = SGD(learning_rate=0.1)
    opt.build([p])
    for t in range(2):
        step(opt, t)
        c.values(f"w{t + 1}", p)


@case("SGD.Momentum")
def _(c):
    p = fresh()
    opt = SGD(learning_rate=0.1, momentum=0.9)
    opt.build([p])
    for t in range(3):
        step(opt, t)
        c.values(f"w{t + 1}", p)
        c.values(f"v{t + 1}", opt.slots()[0])


@case("SGD.Nesterov")
def _(c):
    p = fresh()
    opt = SGD(learning_rate=0.1, momentum=0.9, nesterov=True)
    opt.build([p])
    for t in range(3):
        step(opt, t)
        c.values(f"w{t + 1}", p)
    c.values("v3", opt.slots()[0])


@case("RMSprop.DefaultsAreKeras")
def _(c):
    defaults(c, RMSprop(), ["learning_rate", "rho", "momentum", "epsilon"])


@case("RMSprop.PlainEpsilonInsideTheRoot")
def _(c):
    p = fresh()
    opt = RMSprop(learning_rate=0.01)
    opt.build([p])
    step(opt, 0)
    c.note("√(v₁ + 1e-7)", [math.sqrt(x + 1e-7) for x in opt.slots()[0]])
    c.values("w1", p)
    c.values("v1", opt.slots()[0])
    step(opt, 1)
    c.values("w2", p)
    c.values("v2", opt.slots()[0])
    step(opt, 2)
    c.values("w3", p)


@case("RMSprop.Centered")
def _(c):
    p = fresh()
    opt = RMSprop(learning_rate=0.01, centered=True)
    opt.build([p])
    step(opt, 0)
    v, a = opt.state["velocity"][0], opt.state["average_gradient"][0]
    d = [v[k] - a[k] * a[k] + 1e-7 for k in range(2)]
    c.note("d = v₁ − ḡ₁² + ε", d)
    c.note("√d", [math.sqrt(x) for x in d])
    c.values("w1", p)
    c.values("average_gradient1", opt.slots()[1])
    step(opt, 1)
    c.values("w2", p)
    step(opt, 2)
    c.values("w3", p)
    c.values("average_gradient3", opt.slots()[1])


@case("RMSprop.Momentum")
def _(c):
    p = fresh()
    opt = RMSprop(learning_rate=0.01, momentum=0.5)
    opt.build([p])
    for t in range(3):
        step(opt, t)
        c.values(f"w{t + 1}", p)
        if t < 2:
            c.values(f"momentum{t + 1}", opt.slots()[1])


@case("RMSprop.CenteredWithMomentum")
def _(c):
    p = fresh()
    opt = RMSprop(learning_rate=0.01, momentum=0.5, centered=True)
    opt.build([p])
    for t in range(3):
        step(opt, t)
        c.values(f"w{t + 1}", p)
    c.values("momentum3", opt.slots()[1])
    c.values("average_gradient3", opt.slots()[2])


@case("Adam.DefaultsAreKeras")
def _(c):
    opt = Adam()
    defaults(c, opt, ["learning_rate", "beta_1", "beta_2", "epsilon"])
    c.scalar("opt.options().weight_decay", opt.weight_decay or 0.0)


@case("Adam.BiasCorrectionInTheStepSize")
def _(c):
    p = fresh()
    opt = Adam(learning_rate=0.1)
    opt.build([p])
    for t in range(3):
        c.note(f"α{t + 1}", opt.alpha(0.1))
        step(opt, t)
        c.values(f"w{t + 1}", p)
        if t < 2:
            c.values(f"m{t + 1}", opt.slots()[0])
        c.values(f"v{t + 1}", opt.slots()[1])


@case("Adam.AmsgradKeepsTheLargestVelocity")
def _(c):
    plain, ams = fresh(), fresh()
    plain_opt = Adam(learning_rate=0.1, beta_2=0.5)
    ams_opt = Adam(learning_rate=0.1, beta_2=0.5, amsgrad=True)
    plain_opt.build([plain])
    ams_opt.build([ams])
    for t in range(3):
        step(plain_opt, t)
        step(ams_opt, t)
        if t == 0:
            c.values("plain w1", plain)
            c.values("amsgrad w1", ams)
        if t == 1:
            c.note("plain w2", list(plain))
    c.values("plain w3", plain)
    c.values("amsgrad w3", ams)
    c.values("v3", ams_opt.slots()[1])
    c.values("v_hat3", ams_opt.slots()[2])


@case("AdamW.DefaultsAreKeras")
def _(c):
    opt = AdamW()
    c.scalar("opt.learning_rate()", opt.learning_rate)
    c.scalar("opt.options().weight_decay", opt.weight_decay)
    defaults(c, opt, ["beta_1", "beta_2", "epsilon"])


@case("AdamW.DecoupledDecayBeforeTheAdamUpdate")
def _(c):
    p = fresh()
    opt = AdamW(learning_rate=0.1, weight_decay=0.1)
    opt.build([p])
    for t in range(3):
        step(opt, t)
        c.values(f"w{t + 1}", p)


@case("Nadam.DefaultsAreKeras")
def _(c):
    defaults(c, Nadam(), ["learning_rate", "beta_1", "beta_2", "epsilon"])


@case("Nadam.MomentumScheduleAndRunningProduct")
def _(c):
    p = fresh()
    opt = Nadam(learning_rate=0.1)
    opt.build([p])
    c.scalar("*opt.scalar_state()[0]", opt.u_product)
    step(opt, 0)
    c.values("w1", p)
    c.scalar("opt.u_product()", opt.u_product)
    step(opt, 1)
    c.values("w2", p)
    c.scalar("opt.u_product()", opt.u_product)
    step(opt, 2)
    c.values("w3", p)
    c.scalar("*opt.scalar_state()[0]", opt.u_product)
    c.values("m3", opt.slots()[0])
    c.values("v3", opt.slots()[1])
    # The comment's m̂ of step 1, recomputed at t = 1 from m₁ = 0.1·g₁.
    first = Nadam(learning_rate=0.1)
    first.build([fresh()])
    first.u_product = first.beta_1 * (1 - 0.5 * 0.96)
    c.note("m̂₁", [first.m_hat(g, 0.1 * g) for g in GRADIENTS[0]])


@case("Nadam.CheckpointedStateResumesExactly")
def _(c):
    p = fresh()
    opt = Nadam(learning_rate=0.1)
    opt.build([p])
    step(opt, 0)
    step(opt, 1)
    q = list(p)
    resumed = Nadam(learning_rate=0.1)
    resumed.build([q])
    resumed.iterations = opt.iterations
    for mine, theirs in zip(resumed.slots(), opt.slots()):
        mine[:] = theirs
    resumed.u_product = opt.u_product
    step(opt, 2)
    step(resumed, 2)
    assert q == p
    c.values("resumed w3", q)


@case("Adagrad.DefaultsAreKeras")
def _(c):
    defaults(c, Adagrad(), ["learning_rate", "initial_accumulator_value", "epsilon"])


@case("Adagrad.AccumulatorStartsAtInitialValue")
def _(c):
    p = fresh()
    opt = Adagrad(learning_rate=0.1)
    opt.build([p])
    c.values("a0", opt.slots()[0])
    step(opt, 0)
    c.note("√(a₁ + 1e-7)", [math.sqrt(x + 1e-7) for x in opt.slots()[0]])
    c.values("w1", p)
    c.values("a1", opt.slots()[0])
    step(opt, 1)
    c.values("w2", p)
    step(opt, 2)
    c.values("w3", p)
    c.values("a3", opt.slots()[0])


@case("Parallel.LargeParametersGetTheSameElementwiseUpdate")
def _(c):
    # Every element is w = 1 with g = 0.5 then 0.2: one element stands for all 90,000.
    optimizers = [
        ("sgd", SGD(learning_rate=0.1, momentum=0.9, nesterov=True)),
        ("rmsprop", RMSprop(learning_rate=0.01, momentum=0.5, centered=True)),
        ("adam", Adam(learning_rate=0.1, beta_2=0.5, amsgrad=True)),
        ("adamw", AdamW(learning_rate=0.1, weight_decay=0.1)),
        ("nadam", Nadam(learning_rate=0.1)),
        ("adagrad", Adagrad(learning_rate=0.1)),
    ]
    for name, opt in optimizers:
        w = [1.0]
        opt.build([w])
        opt.apply([[0.5]])
        w1 = w[0]
        opt.apply([[0.2]])
        c.values(f"run({name})", [w1, w[0]])


@case("Epsilon.PlacementFollowsKeras")
def _(c):
    params = {name: fresh() for name in ("Adam", "RMSprop", "Adagrad", "Nadam")}
    optimizers = {
        "Adam": Adam(learning_rate=0.1, epsilon=0.01),
        "RMSprop": RMSprop(learning_rate=0.01, epsilon=0.01),
        "Adagrad": Adagrad(learning_rate=0.1, epsilon=0.01),
        "Nadam": Nadam(learning_rate=0.1, epsilon=0.01),
    }
    for name, opt in optimizers.items():
        opt.build([params[name]])
        step(opt, 0)
    for name in optimizers:
        c.values(name, params[name])
    # PyTorch's form lr·m̂/(√v̂ + ε), m̂ = g and √v̂ = |g| at t = 1: what Keras' placement is not.
    c.note("PyTorch-form Adam", [1.0 - 0.1 * 0.5 / (0.5 + 0.01), -2.0 + 0.1 * 1.0 / (1.0 + 0.01)])


@case("Clipping.ClipnormScalesEachGradientOnItsOwn")
def _(c):
    a, b = [0.0, 0.0], [0.0]
    opt = SGD(learning_rate=1.0, clipnorm=1.0)
    opt.build([a, b])
    opt.apply([[3.0, 4.0], [0.5]])
    c.values("a", a)
    c.values("b", b)


@case("Clipping.GlobalClipnormScalesAllGradientsTogether")
def _(c):
    a, b = [0.0, 0.0], [0.0]
    opt = SGD(learning_rate=1.0, global_clipnorm=6.5)
    opt.build([a, b])
    opt.apply([[3.0, 4.0], [12.0]])
    c.values("a", a)
    c.values("b", b)
    cc, d = [0.0, 0.0], [0.0]
    loose = SGD(learning_rate=1.0, global_clipnorm=20.0)
    loose.build([cc, d])
    loose.apply([[3.0, 4.0], [12.0]])
    c.values("c", cc)
    c.values("d", d)


@case("Clipping.GlobalClipnormPoisonsNonFiniteGradientsLikeKeras")
def _(c):
    a = [0.0, 0.0]
    opt = SGD(learning_rate=1.0, global_clipnorm=1.0)
    opt.build([a])
    opt.apply([[math.inf, 1.0]])
    c.nan("a.value[0]", a[0])
    c.nan("a.value[1]", a[1])


@case("Clipping.ClipvalueClampsEachElement")
def _(c):
    a = [0.0, 0.0, 0.0]
    opt = SGD(learning_rate=1.0, clipvalue=1.0)
    opt.build([a])
    opt.apply([[3.0, -4.0, 0.5]])
    c.values("w", a)


@case("WeightDecay.AppliesToAnyOptimizerBeforeItsUpdate")
def _(c):
    p = fresh()
    opt = SGD(learning_rate=0.1, weight_decay=0.5)
    opt.build([p])
    for t in range(2):
        step(opt, t)
        c.values(f"w{t + 1}", p)


@case("Schedule.DrivesTheLearningRateAtIterationsBeforeTheStep")
def _(c):
    p = fresh()
    opt = SGD(learning_rate=ExponentialDecay(0.1, decay_steps=1, decay_rate=0.5))
    opt.build([p])
    c.scalar("opt.learning_rate()", opt.learning_rate)
    step(opt, 0)
    c.scalar("opt.learning_rate()", opt.learning_rate)
    c.values("w1", p)
    step(opt, 1)
    c.values("w2", p)
    step(opt, 2)
    c.values("w3", p)
    c.scalar("opt.learning_rate()", opt.learning_rate)


@case("Schedule.WeightDecayUsesTheScheduledRate")
def _(c):
    p = fresh()
    opt = SGD(learning_rate=ExponentialDecay(0.1, decay_steps=1, decay_rate=0.5), weight_decay=0.5)
    opt.build([p])
    for t in range(2):
        step(opt, t)
        c.values(f"w{t + 1}", p)


@case("LearningRate.SetLearningRateDropsTheSchedule")
def _(c):
    p = fresh()
    opt = SGD(learning_rate=PiecewiseConstantDecay(boundaries=[0], values=[0.1, 0.01]))
    opt.build([p])
    step(opt, 0)
    c.scalar("opt.learning_rate()", opt.learning_rate)
    opt.set_learning_rate(0.5)
    c.scalar("opt.learning_rate()", opt.learning_rate)
    step(opt, 1)
    c.values("w2", p)


@case("State.SlotsAreInKerasOrderAndBuildResets")
def _(c):
    a, b = [1.0, 2.0], [3.0, 4.0, 5.0]
    opt = Adam(learning_rate=0.1)
    opt.build([a, b])
    opt.apply([[1.0, 1.0], [2.0, 2.0, 2.0]])
    c.values("momentum of b", opt.slots()[1])
    c.values("velocity of a", opt.slots()[2])
    opt.build([a])
    c.values("momentum after rebuild", opt.slots()[0])


@case("Factory.MakeOptimizerByKerasName")
def _(c):
    c.scalar('make_optimizer("sgd")->learning_rate()', SGD().learning_rate)
    c.scalar('make_optimizer("adamw")->options().weight_decay', AdamW().weight_decay)


def compute_all():
    results = {}
    for name, fn in CASES.items():
        c = Case()
        fn(c)
        results[name] = c.records
    return results


# ---- printing ---------------------------------------------------------------------------------


def fmt(x, digits=9):
    return f"{x:.{digits}g}"


def print_all(results):
    for name, records in results.items():
        print(name)
        for kind, label, value in records:
            if kind == "values":
                print(f'  {{{", ".join(fmt(x) for x in value)}}}, "{label}"')
            elif kind == "scalar":
                print(f"  {label} = {fmt(value, 12)}")
            elif kind == "nan":
                print(f"  {label} = {value}")
            else:
                shown = ", ".join(fmt(x) for x in value) if isinstance(value, list) else fmt(value)
                print(f"  (comment) {label}: {shown}")


# ---- --check ----------------------------------------------------------------------------------

NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
TEST_RE = re.compile(r"^TEST\((\w+),\s*(\w+)\)", re.M)
EXPECT_VALUES_RE = re.compile(r'expect_values\(\s*([^,]+?),\s*\{([^}]*)\},\s*"([^"]*)"\s*\)')
EXPECT_NEAR_RE = re.compile(rf"EXPECT_NEAR\((.+?),\s*({NUMBER}),\s*({NUMBER})\)")
EXPECT_DOUBLE_EQ_RE = re.compile(rf"EXPECT_DOUBLE_EQ\((.+),\s*({NUMBER})\);")
ISNAN_RE = re.compile(r"EXPECT_TRUE\(std::isnan\((.+?)\)\)")
RUN_RE = re.compile(rf"\brun\((\w+),\s*({NUMBER}),\s*({NUMBER})\);")


def parse_test_file(text, unparsed):
    """{test: [(kind, key, expected, tolerance-or-None)]} for every numeric expectation; calls
    that could not be read are appended to `unparsed`."""
    starts = list(TEST_RE.finditer(text))
    tests = {}
    for n, m in enumerate(starts):
        body = text[m.end(): starts[n + 1].start() if n + 1 < len(starts) else len(text)]
        name = f"{m.group(1)}.{m.group(2)}"
        found = []
        for e in EXPECT_VALUES_RE.finditer(body):
            numbers = [float(x) for x in e.group(2).split(",") if x.strip()]
            found.append((e.start(), "values", e.group(3), numbers, None))
        for e in RUN_RE.finditer(body):
            found.append((e.start(), "values", f"run({e.group(1)})",
                          [float(e.group(2)), float(e.group(3))], None))
        for e in EXPECT_NEAR_RE.finditer(body):
            found.append((e.start(), "scalar", e.group(1).strip(), float(e.group(2)),
                          float(e.group(3))))
        for e in EXPECT_DOUBLE_EQ_RE.finditer(body):
            found.append((e.start(), "scalar", e.group(1).strip(), float(e.group(2)), "double_eq"))
        for e in ISNAN_RE.finditer(body):
            found.append((e.start(), "nan", e.group(1).strip(), math.nan, None))
        found.sort(key=lambda item: item[0])
        tests[name] = [item[1:] for item in found]
        # An expectation the patterns above do not read (say, a value from a variable) must not
        # pass unchecked: every call of these checks in a TEST body has to have been parsed.
        # (ASSERT_NEAR appears only in the Parallel test's lambda; its run(...) calls are parsed.)
        for call, pattern in (("expect_values(", EXPECT_VALUES_RE), ("EXPECT_NEAR(", EXPECT_NEAR_RE),
                              ("EXPECT_DOUBLE_EQ(", EXPECT_DOUBLE_EQ_RE), ("std::isnan(", ISNAN_RE)):
            if body.count(call) != len(pattern.findall(body)):
                unparsed.append(f"{name}: a {call}...) this script cannot read (literals only)")
    return tests


def keyed(entries):
    """[(kind, label, ...)] -> {(kind, label, occurrence): rest}: repeated labels count up."""
    seen = {}
    out = {}
    for kind, label, *rest in entries:
        n = seen.get((kind, label), 0)
        seen[(kind, label)] = n + 1
        out[(kind, label, n)] = rest
    return out


def within(actual_reference, literal, tolerance):
    if tolerance == "double_eq":  # gtest: within 4 ulps
        return abs(actual_reference - literal) <= 4 * math.ulp(max(abs(literal), abs(actual_reference)))
    if tolerance is None:  # expect_values: relative 1e-6 of the literal plus 1e-9
        tolerance = 1e-6 * abs(literal) + 1e-9
    return abs(actual_reference - literal) <= tolerance


def check(path, results):
    with open(path, encoding="utf-8") as f:
        failures = []
        parsed = parse_test_file(f.read(), failures)
    checked = 0
    for name in sorted(set(parsed) | set(results)):
        expectations = keyed(parsed.get(name, []))
        references = keyed([r for r in results.get(name, []) if r[0] != "note"])
        for key, (literal, tolerance) in expectations.items():
            kind, label, n = key
            where = f"{name}: {label}" + (f" (#{n + 1})" if n else "")
            if key not in references:
                failures.append(f"{where}: the test file expects {literal} but this script has no reference")
                continue
            (reference,) = references[key]
            checked += 1
            if kind == "nan":
                if not math.isnan(reference):
                    failures.append(f"{where}: the test expects NaN, Keras' rules give {reference}")
            elif kind == "values":
                if len(literal) != len(reference):
                    failures.append(f"{where}: {len(literal)} values in the test, {len(reference)} here")
                    continue
                for k, (e, r) in enumerate(zip(literal, reference)):
                    if not within(r, e, tolerance):
                        failures.append(f"{where}[{k}]: test has {e!r}, Keras' rules give {fmt(r)}")
            elif not within(reference, literal, tolerance):
                failures.append(f"{where}: test has {literal!r}, Keras' rules give {fmt(reference, 12)}")
        for kind, label, n in references:
            if (kind, label, n) not in expectations:
                failures.append(f"{name}: {label}: computed here but no longer checked by the test file")
    for failure in failures:
        print("MISMATCH " + failure)
    print(f"{checked} expectations in {len(parsed)} tests of {path} checked against Keras 3's rules: "
          f"{len(failures)} problem(s)")
    return 1 if failures else 0


def main(argv):
    results = compute_all()
    if len(argv) == 1:
        print_all(results)
        return 0
    if len(argv) == 3 and argv[1] == "--check":
        return check(argv[2], results)
    print(__doc__.split("Usage:")[1], file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
