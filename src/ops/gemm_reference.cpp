// SPDX-License-Identifier: MIT
#include <string>

#include "mlp/error.hpp"
#include "mlp/ops.hpp"

namespace mlp {
namespace detail {
// Shapes of op(a) (M,K) and op(b) (K,N), checked against c (M,N). Shared by both backends.
void gemm_shapes(ConstMatrixView a, ConstMatrixView b, MatrixView c, Trans trans, std::size_t& m, std::size_t& n,
                 std::size_t& k) {
  const bool ta = trans == Trans::kA || trans == Trans::kAB;
  const bool tb = trans == Trans::kB || trans == Trans::kAB;
  m = ta ? a.cols() : a.rows();
  k = ta ? a.rows() : a.cols();
  const std::size_t kb = tb ? b.cols() : b.rows();
  n = tb ? b.rows() : b.cols();
  if (k != kb || c.rows() != m || c.cols() != n) {
    throw Error("gemm: op(a) is (" + std::to_string(m) + ", " + std::to_string(k) + "), op(b) is (" +
                std::to_string(kb) + ", " + std::to_string(n) + "), c is (" + std::to_string(c.rows()) + ", " +
                std::to_string(c.cols()) + ")");
  }
}
}  // namespace detail

void gemm_reference(ConstMatrixView a, ConstMatrixView b, MatrixView c, Trans trans, Scalar alpha, Scalar beta) {
  std::size_t m = 0, n = 0, k = 0;
  detail::gemm_shapes(a, b, c, trans, m, n, k);
  const bool ta = trans == Trans::kA || trans == Trans::kAB;
  const bool tb = trans == Trans::kB || trans == Trans::kAB;
  for (std::size_t i = 0; i < m; ++i) {
    for (std::size_t j = 0; j < n; ++j) {
      double acc = 0;  // double accumulation: the reference must be the accurate one
      for (std::size_t p = 0; p < k; ++p) {
        const double av = ta ? a(p, i) : a(i, p);
        const double bv = tb ? b(j, p) : b(p, j);
        acc += av * bv;
      }
      const Scalar old = beta == 0 ? Scalar(0) : beta * c(i, j);  // beta 0 ignores NaN in c
      c(i, j) = static_cast<Scalar>(alpha * acc) + old;
    }
  }
}

#ifdef MLP_SCALAR_DOUBLE
// The double build exists for gradient checks on small matrices: the reference is its GEMM.
void gemm(ConstMatrixView a, ConstMatrixView b, MatrixView c, Trans trans, Scalar alpha, Scalar beta) {
  gemm_reference(a, b, c, trans, alpha, beta);
}
const char* gemm_backend() { return "reference (double gradient-check build)"; }
#endif

}  // namespace mlp
