// SPDX-License-Identifier: MIT
#include "mlp/activation.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <type_traits>

#include "mlp/error.hpp"
#include "mlp/parallel.hpp"

namespace mlp {
namespace {
constexpr double kSeluAlpha = 1.6732632423543772848170429916717;
constexpr double kSeluScale = 1.0507009873554804934193349852946;

struct NameEntry {
  std::string_view name;
  ActivationKind kind;
  double alpha;
};
constexpr NameEntry kNames[] = {
    {"linear", ActivationKind::kLinear, 0},
    {"relu", ActivationKind::kRelu, 0},
    {"leaky_relu", ActivationKind::kLeakyRelu, 0.2},
    {"elu", ActivationKind::kElu, 1.0},
    {"selu", ActivationKind::kSelu, 0},
    {"softplus", ActivationKind::kSoftplus, 0},
    {"softsign", ActivationKind::kSoftsign, 0},
    {"sigmoid", ActivationKind::kSigmoid, 0},
    {"hard_sigmoid", ActivationKind::kHardSigmoid, 0},
    {"tanh", ActivationKind::kTanh, 0},
    {"softmax", ActivationKind::kSoftmax, 0},
    {"swish", ActivationKind::kSwish, 0},
    {"silu", ActivationKind::kSwish, 0},
    {"gelu", ActivationKind::kGelu, 0},
};

template <class F>
void for_each_row(std::size_t rows, std::size_t cols, F&& f) {
  parallel_for(rows, rows * cols, [&](std::size_t r) { f(r); });
}

inline Scalar sigmoid(Scalar z) {
  // Stable on both sides: never exponentiates a large positive number.
  if (z >= 0) return Scalar(1) / (Scalar(1) + std::exp(-z));
  const Scalar e = std::exp(z);
  return e / (Scalar(1) + e);
}
inline Scalar softplus(Scalar z) { return std::max(z, Scalar(0)) + std::log1p(std::exp(-std::abs(z))); }

inline Scalar apply(ActivationKind kind, Scalar alpha, Scalar z) {
  switch (kind) {
    case ActivationKind::kLinear: return z;
    case ActivationKind::kRelu: return z > 0 ? z : Scalar(0);
    case ActivationKind::kLeakyRelu: return z > 0 ? z : alpha * z;
    case ActivationKind::kElu: return z > 0 ? z : alpha * std::expm1(z);
    case ActivationKind::kSelu: return Scalar(kSeluScale) * (z > 0 ? z : Scalar(kSeluAlpha) * std::expm1(z));
    case ActivationKind::kSoftplus: return softplus(z);
    case ActivationKind::kSoftsign: return z / (Scalar(1) + std::abs(z));
    case ActivationKind::kSigmoid: return sigmoid(z);
    case ActivationKind::kHardSigmoid: return std::clamp(z / Scalar(6) + Scalar(0.5), Scalar(0), Scalar(1));
    case ActivationKind::kTanh: return std::tanh(z);
    case ActivationKind::kSwish: return z * sigmoid(z);
    case ActivationKind::kGelu: return Scalar(0.5) * z * (Scalar(1) + std::erf(z / Scalar(std::numbers::sqrt2)));
    case ActivationKind::kSoftmax: break;  // row-wise, handled by the caller
  }
  return z;
}

// f'(z) expressed through y = f(z) where possible, else through z.
inline Scalar derivative(ActivationKind kind, Scalar alpha, Scalar z, Scalar y) {
  switch (kind) {
    case ActivationKind::kLinear: return 1;
    case ActivationKind::kRelu: return static_cast<Scalar>(y > 0);  // no branch: vectorises
    case ActivationKind::kLeakyRelu: return z > 0 ? Scalar(1) : alpha;
    case ActivationKind::kElu: return y > 0 ? Scalar(1) : y + alpha;
    case ActivationKind::kSelu: return y > 0 ? Scalar(kSeluScale) : y + Scalar(kSeluScale * kSeluAlpha);
    case ActivationKind::kSoftplus: return -std::expm1(-y);  // sigmoid(z) = 1 − e^{−y}
    case ActivationKind::kSoftsign: {
      const Scalar t = Scalar(1) - std::abs(y);  // 1/(1+|z|)
      return t * t;
    }
    case ActivationKind::kSigmoid: return y * (Scalar(1) - y);
    case ActivationKind::kHardSigmoid: return (z > Scalar(-3) && z < Scalar(3)) ? Scalar(1) / Scalar(6) : Scalar(0);
    case ActivationKind::kTanh: return Scalar(1) - y * y;
    case ActivationKind::kSwish: {
      const Scalar s = sigmoid(z);
      return s * (Scalar(1) + z * (Scalar(1) - s));
    }
    case ActivationKind::kGelu: {
      const Scalar cdf = Scalar(0.5) * (Scalar(1) + std::erf(z / Scalar(std::numbers::sqrt2)));
      const Scalar pdf = std::exp(Scalar(-0.5) * z * z) / Scalar(std::sqrt(2 * std::numbers::pi));
      return cdf + z * pdf;
    }
    case ActivationKind::kSoftmax: break;
  }
  return 1;
}
// Calls fn(std::integral_constant<ActivationKind, K>{}) for the runtime kind, so that apply() and
// derivative() see a compile-time kind and the element loops vectorise without a switch inside.
template <class Fn>
void dispatch(ActivationKind kind, Fn&& fn) {
  using K = ActivationKind;
  switch (kind) {
    case K::kLinear: return fn(std::integral_constant<K, K::kLinear>{});
    case K::kRelu: return fn(std::integral_constant<K, K::kRelu>{});
    case K::kLeakyRelu: return fn(std::integral_constant<K, K::kLeakyRelu>{});
    case K::kElu: return fn(std::integral_constant<K, K::kElu>{});
    case K::kSelu: return fn(std::integral_constant<K, K::kSelu>{});
    case K::kSoftplus: return fn(std::integral_constant<K, K::kSoftplus>{});
    case K::kSoftsign: return fn(std::integral_constant<K, K::kSoftsign>{});
    case K::kSigmoid: return fn(std::integral_constant<K, K::kSigmoid>{});
    case K::kHardSigmoid: return fn(std::integral_constant<K, K::kHardSigmoid>{});
    case K::kTanh: return fn(std::integral_constant<K, K::kTanh>{});
    case K::kSwish: return fn(std::integral_constant<K, K::kSwish>{});
    case K::kGelu: return fn(std::integral_constant<K, K::kGelu>{});
    case K::kSoftmax: return fn(std::integral_constant<K, K::kSoftmax>{});
  }
}
}  // namespace

ActivationFunction ActivationFunction::from_name(std::string_view name) {
  for (const auto& e : kNames) {
    if (e.name == name) return {e.kind, e.alpha};
  }
  std::string known;
  for (const auto& e : kNames) known += (known.empty() ? "" : ", ") + std::string(e.name);
  throw Error("unknown activation '" + std::string(name) + "'; known: " + known);
}

std::string ActivationFunction::name() const {
  for (const auto& e : kNames) {
    if (e.kind == kind) return std::string(e.name);
  }
  return "linear";
}

bool ActivationFunction::needs_input() const {
  return kind == ActivationKind::kSwish || kind == ActivationKind::kGelu || kind == ActivationKind::kLeakyRelu ||
         kind == ActivationKind::kHardSigmoid;
}

void activation_forward(const ActivationFunction& act, ConstMatrixView z, MatrixView y) {
  if (z.rows() != y.rows() || z.cols() != y.cols()) throw Error("activation_forward: shape mismatch");
  if (act.kind == ActivationKind::kLinear) {
    if (z.data() != y.data()) copy(z, y);
    return;
  }
  if (z.data() != y.data()) copy(z, y);
  bias_activation_forward(act, ConstMatrixView{}, y, MatrixView{});
}

void bias_activation_forward(const ActivationFunction& act, ConstMatrixView bias, MatrixView y, MatrixView z) {
  const std::size_t cols = y.cols();
  if (!bias.empty() && (bias.rows() != 1 || bias.cols() != cols)) {
    throw Error("bias_activation_forward: bias must be (1, " + std::to_string(cols) + ")");
  }
  if (!z.empty() && (z.rows() != y.rows() || z.cols() != cols)) {
    throw Error("bias_activation_forward: z must be shaped like y");
  }
  const auto alpha = static_cast<Scalar>(act.alpha);
  const Scalar* pb = bias.empty() ? nullptr : bias.data();
  const bool keep_z = !z.empty();
  if (act.kind == ActivationKind::kSoftmax) {
    for_each_row(y.rows(), cols, [=](std::size_t r) {
      Scalar* py = y.row(r);
      if (pb != nullptr) {
        for (std::size_t c = 0; c < cols; ++c) py[c] += pb[c];
      }
      if (keep_z) std::copy(py, py + cols, z.row(r));
      const Scalar m = *std::max_element(py, py + cols);
      Scalar sum = 0;
      for (std::size_t c = 0; c < cols; ++c) {
        py[c] = std::exp(py[c] - m);
        sum += py[c];
      }
      const Scalar inv = Scalar(1) / sum;
      for (std::size_t c = 0; c < cols; ++c) py[c] *= inv;
    });
    return;
  }
  dispatch(act.kind, [&](auto kind) {
    for_each_row(y.rows(), cols, [=](std::size_t r) {
      Scalar* __restrict py = y.row(r);
      Scalar* __restrict pz = keep_z ? z.row(r) : nullptr;
      if (pb != nullptr && keep_z) {
#pragma omp simd
        for (std::size_t c = 0; c < cols; ++c) {
          const Scalar v = py[c] + pb[c];
          pz[c] = v;
          py[c] = apply(kind.value, alpha, v);
        }
      } else if (pb != nullptr) {
#pragma omp simd
        for (std::size_t c = 0; c < cols; ++c) py[c] = apply(kind.value, alpha, py[c] + pb[c]);
      } else {
        if (keep_z) std::copy(py, py + cols, pz);
#pragma omp simd
        for (std::size_t c = 0; c < cols; ++c) py[c] = apply(kind.value, alpha, py[c]);
      }
    });
  });
}

void activation_backward(const ActivationFunction& act, ConstMatrixView z, ConstMatrixView y, ConstMatrixView dy,
                         MatrixView dz) {
  if (y.rows() != dy.rows() || y.cols() != dy.cols() || dz.rows() != dy.rows() || dz.cols() != dy.cols()) {
    throw Error("activation_backward: shape mismatch");
  }
  const std::size_t cols = y.cols();
  const auto alpha = static_cast<Scalar>(act.alpha);
  if (act.kind == ActivationKind::kLinear) {
    if (dy.data() != dz.data()) copy(dy, dz);
    return;
  }
  if (act.kind == ActivationKind::kSoftmax) {
    // dz_j = y_j·(dy_j − Σ_k dy_k·y_k)
    for_each_row(y.rows(), cols, [&](std::size_t r) {
      const Scalar* py = y.row(r);
      const Scalar* pdy = dy.row(r);
      Scalar* pdz = dz.row(r);
      Scalar dot = 0;
      for (std::size_t c = 0; c < cols; ++c) dot += pdy[c] * py[c];
      for (std::size_t c = 0; c < cols; ++c) pdz[c] = py[c] * (pdy[c] - dot);
    });
    return;
  }
  if (act.needs_input() && (z.rows() != y.rows() || z.cols() != y.cols())) {
    throw Error("activation_backward: '" + act.name() + "' needs the pre-activation input");
  }
  const bool use_z = act.needs_input();
  dispatch(act.kind, [&](auto kind) {
    for_each_row(y.rows(), cols, [=](std::size_t r) {
      const Scalar* py = y.row(r);
      const Scalar* pdy = dy.row(r);
      Scalar* pdz = dz.row(r);  // may alias pdy: element-wise, read before written
      if (use_z) {
        const Scalar* pz = z.row(r);
#pragma omp simd
        for (std::size_t c = 0; c < cols; ++c) pdz[c] = pdy[c] * derivative(kind.value, alpha, pz[c], py[c]);
      } else {
#pragma omp simd
        for (std::size_t c = 0; c < cols; ++c) pdz[c] = pdy[c] * derivative(kind.value, alpha, Scalar(0), py[c]);
      }
    });
  });
}

}  // namespace mlp
