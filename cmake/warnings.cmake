# SPDX-License-Identifier: MIT
# Warnings (and -fno-math-errno -fno-trapping-math) for every target of ours. Two of -Wall/-Wextra's are off, with reasons:
#  -Wmissing-field-initializers: GCC 12 fires it on designated initializers that leave members
#    to their defaults, which is how every Options aggregate is meant to be used.
#  -Wmaybe-uninitialized: GCC 12 at -O2 reports false positives inside std::string when such
#    aggregates are copied (GCC bug 105562 and relatives).
function(mlp_set_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wconversion
                                           -Wno-sign-conversion -Wnon-virtual-dtor
                                           -Wno-missing-field-initializers -Wno-maybe-uninitialized)
  if(MLP_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
  # Math functions never set errno (nothing here reads it): without this, gcc keeps a scalar
  # sqrt with an errno branch, and loops such as Adam's update do not vectorize (measured:
  # docs/performance.md). Results are unchanged: errno is the only difference.
  # -fno-trapping-math: no code here reads floating-point exception flags, so gcc may compute both
  # sides of a select; without it, `dy * (y > 0)` becomes a branch around a multiply and ReLU's
  # backward loop stays scalar (measured: docs/performance.md). Values are unchanged.
  target_compile_options(${target} PRIVATE -fno-math-errno -fno-trapping-math)
  if(MLP_NATIVE)
    target_compile_options(${target} PRIVATE -march=native)
  endif()
endfunction()
