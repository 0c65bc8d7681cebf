// SPDX-License-Identifier: MIT
#pragma once
// The one floating-point type of the library. The product builds with float; the gradient-check
// build of the same sources (target mlp_f64, CMake sets MLP_SCALAR_DOUBLE) uses double so that
// finite differences are exact enough to mean something.

namespace mlp {
#ifdef MLP_SCALAR_DOUBLE
using Scalar = double;
#else
using Scalar = float;
#endif
}  // namespace mlp
