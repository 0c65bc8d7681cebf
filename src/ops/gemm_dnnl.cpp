// SPDX-License-Identifier: MIT
// The only file that talks to the GEMM library. Compiled in the float build only.
#include <dnnl.h>

#include <string>

#include "mlp/error.hpp"
#include "mlp/ops.hpp"

namespace mlp {
namespace detail {
void gemm_shapes(ConstMatrixView a, ConstMatrixView b, MatrixView c, Trans trans, std::size_t& m, std::size_t& n,
                 std::size_t& k);
}

void gemm(ConstMatrixView a, ConstMatrixView b, MatrixView c, Trans trans, Scalar alpha, Scalar beta) {
  std::size_t m = 0, n = 0, k = 0;
  detail::gemm_shapes(a, b, c, trans, m, n, k);
  if (m == 0 || n == 0) return;
  const bool ta = trans == Trans::kA || trans == Trans::kAB;
  const bool tb = trans == Trans::kB || trans == Trans::kAB;
  // dnnl_sgemm is row-major: C = alpha·op(A)·op(B) + beta·C with leading dimensions = strides.
  const dnnl_status_t status =
      dnnl_sgemm(ta ? 'T' : 'N', tb ? 'T' : 'N', static_cast<dnnl_dim_t>(m), static_cast<dnnl_dim_t>(n),
                 static_cast<dnnl_dim_t>(k), alpha, a.data(), static_cast<dnnl_dim_t>(a.stride()), b.data(),
                 static_cast<dnnl_dim_t>(b.stride()), beta, c.data(), static_cast<dnnl_dim_t>(c.stride()));
  if (status != dnnl_success) {
    throw Error("gemm: oneDNN sgemm failed with status " + std::to_string(static_cast<int>(status)));
  }
}

const char* gemm_backend() {
  static const std::string name = [] {
    const dnnl_version_t* v = dnnl_version();
    return "oneDNN " + std::to_string(v->major) + "." + std::to_string(v->minor) + "." + std::to_string(v->patch) +
           " sgemm";
  }();
  return name.c_str();
}

}  // namespace mlp
