// SPDX-License-Identifier: MIT
#include "mlp/signal_stack.hpp"

#include <algorithm>
#include <cstddef>

namespace mlp {
namespace {
constexpr std::size_t kStackBytes = 64 * 1024;  // above MINSIGSTKSZ on every x86-64 kernel (AVX-512 frames included)
}  // namespace

SignalStack::SignalStack() {
  stack_t current{};
  if (::sigaltstack(nullptr, &current) != 0) return;
  if ((current.ss_flags & SS_DISABLE) == 0) return;  // the thread has one: keep it
  memory_ = std::make_unique<char[]>(kStackBytes);
  stack_t stack{};
  stack.ss_sp = memory_.get();
  stack.ss_size = kStackBytes;
  stack.ss_flags = 0;
  if (::sigaltstack(&stack, &previous_) != 0) {
    memory_.reset();
    return;
  }
  installed_ = true;
}

SignalStack::~SignalStack() {
  if (!installed_) return;
  // While a handler runs on it, the stack cannot be replaced (EPERM); this destructor is not
  // called from a handler, so the restore succeeds.
  ::sigaltstack(&previous_, nullptr);
}

}  // namespace mlp
