// SPDX-License-Identifier: MIT
// An alternate stack for the signal handlers of the calling thread.
//
// oneDNN's JIT-generated GEMM kernels keep data below the stack pointer, past the 128 bytes the
// x86-64 ABI promises to keep (the red zone). A signal handler that runs on the interrupted
// thread's own stack writes its frame exactly there, so a Ctrl-C that lands inside a GEMM corrupts
// the kernel's state, seen as "corrupted size vs. prev_size" from malloc a moment later (half of
// the runs tests/sigint_during_training.py interrupted, before this existed). A handler installed with SA_ONSTACK runs
// on the alternate stack instead and leaves the interrupted stack alone: mlp's own SIGINT handlers
// (mlp train, mlp sweep) and CPython's (which always sets SA_ONSTACK) do.
//
// A program that calls fit/evaluate/predict and handles signals itself should keep a SignalStack
// alive on the thread that trains and install its handlers with SA_ONSTACK.
#pragma once

#include <csignal>
#include <memory>

namespace mlp {

class SignalStack {
 public:
  /// Installs a 64 KiB alternate signal stack on the calling thread, unless the thread has one
  /// already (that one is kept). Never throws: without one (sigaltstack failed), handlers run on
  /// the thread's stack as before.
  SignalStack();
  /// Restores what the thread had before (on the same thread that constructed it).
  ~SignalStack();
  SignalStack(const SignalStack&) = delete;
  SignalStack& operator=(const SignalStack&) = delete;

  /// Whether this object installed the stack (false: the thread had one, or sigaltstack failed).
  bool installed() const { return installed_; }

 private:
  std::unique_ptr<char[]> memory_;
  stack_t previous_{};
  bool installed_ = false;
};

}  // namespace mlp
