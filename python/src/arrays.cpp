// SPDX-License-Identifier: MIT
#include "arrays.hpp"

#include <cstring>

namespace mlp::py {
namespace {

std::string dtype_name(const pyb::array& a) { return pyb::str(a.dtype()).cast<std::string>(); }

pyb::array as_array(const pyb::handle& obj, const std::string& what) {
  if (!pyb::isinstance<pyb::array>(obj)) {
    // Lists and other sequences: numpy decides their dtype.
    const pyb::array a = pyb::array::ensure(obj);  // null (error cleared) when numpy cannot
    if (a && a.dtype().kind() != 'O') return a;
    throw pyb::type_error(what + ": expected a numpy array, got " +
                          pyb::str(pyb::type::handle_of(obj).attr("__name__")).cast<std::string>());
  }
  return pyb::reinterpret_borrow<pyb::array>(obj);
}

void check_rows(const pyb::array& a, const std::string& what) {
  if (a.ndim() < 1) throw pyb::value_error(what + ": expected an array of samples (N, ...), got a scalar");
  if (a.shape(0) == 0) throw pyb::value_error(what + ": has no samples (shape[0] is 0)");
}

std::size_t features(const pyb::array& a) {
  std::size_t f = 1;
  for (pyb::ssize_t d = 1; d < a.ndim(); ++d) f *= static_cast<std::size_t>(a.shape(d));
  return f;
}

/// float32 C-ordered: numpy's buffer itself when it already is one, else one cast copy.
const float* float_data(const pyb::array& a, HeldArrays& held) {
  auto f = pyb::array_t<float, pyb::array::c_style | pyb::array::forcecast>::ensure(a);
  if (!f) throw pyb::error_already_set();
  held.floats.push_back(f);
  return held.floats.back().data();
}

}  // namespace

InputView input_view(const pyb::handle& obj, const std::string& what, HeldArrays& held) {
  double scale = 1;
  bool wrapped = false;
  pyb::handle target = obj;
  pyb::object inner;
  if (pyb::hasattr(obj, "_mlp_scale")) {  // mlp.scaled(x_uint8, 1 / 255)
    scale = obj.attr("_mlp_scale").cast<double>();
    wrapped = true;
    inner = obj.attr("array");
    target = inner;
  }
  const pyb::array a = as_array(target, what);
  check_rows(a, what);
  const auto rows = static_cast<std::size_t>(a.shape(0));
  const std::size_t cols = features(a);
  const char kind = a.dtype().kind();
  const auto itemsize = a.dtype().itemsize();
  if (kind == 'u' && itemsize == 1) {
    std::vector<std::uint8_t> bytes(rows * cols);
    auto c = pyb::array_t<std::uint8_t, pyb::array::c_style>::ensure(a);
    std::memcpy(bytes.data(), c.data(), bytes.size());
    held.bytes.emplace_back(std::move(bytes), rows, cols);
    return InputView(held.bytes.back(), scale);
  }
  if (wrapped) throw pyb::type_error(what + ": mlp.scaled() takes uint8 pixels, got " + dtype_name(a));
  if (kind == 'f' && (itemsize == 4 || itemsize == 8)) return ConstMatrixView(float_data(a, held), rows, cols);
  throw pyb::type_error(what + ": expected float32, float64 or uint8, got " + dtype_name(a));
}

ConstMatrixView target_view(const pyb::handle& obj, const std::string& what, HeldArrays& held) {
  const pyb::array a = as_array(obj, what);
  check_rows(a, what);
  const char kind = a.dtype().kind();
  if (kind != 'f' && kind != 'i' && kind != 'u' && kind != 'b') {
    throw pyb::type_error(what + ": expected numbers (float or integer labels), got " + dtype_name(a));
  }
  if (a.ndim() > 2) {
    throw pyb::value_error(what + ": expected (N,) class indices or (N, outputs), got " + std::to_string(a.ndim()) +
                           " dimensions");
  }
  const auto rows = static_cast<std::size_t>(a.shape(0));
  return ConstMatrixView(float_data(a, held), rows, features(a));
}

std::vector<Scalar> weights_vector(const pyb::handle& obj, const std::string& what) {
  const pyb::array a = as_array(obj, what);
  if (a.ndim() != 1) throw pyb::value_error(what + ": expected one weight per sample (N,)");
  auto f = pyb::array_t<float, pyb::array::c_style | pyb::array::forcecast>::ensure(a);
  if (!f) throw pyb::type_error(what + ": expected numbers, got " + dtype_name(a));
  return {f.data(), f.data() + f.size()};
}

pyb::array_t<float> to_numpy(const Matrix& m) {
  pyb::array_t<float> out({static_cast<pyb::ssize_t>(m.rows()), static_cast<pyb::ssize_t>(m.cols())});
  float* dst = out.mutable_data();
  for (std::size_t r = 0; r < m.rows(); ++r) std::memcpy(dst + r * m.cols(), m.row(r), m.cols() * sizeof(float));
  return out;
}

}  // namespace mlp::py
