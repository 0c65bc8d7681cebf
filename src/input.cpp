// SPDX-License-Identifier: MIT
#include "mlp/input.hpp"

#include <algorithm>
#include <cstring>
#include <string>

#include "mlp/error.hpp"
#include "mlp/parallel.hpp"

namespace mlp {

ByteMatrix::ByteMatrix(std::vector<std::uint8_t> data, std::size_t rows, std::size_t cols)
    : data_(std::move(data)), rows_(rows), cols_(cols) {
  if (data_.size() != rows * cols) {
    throw Error("ByteMatrix(" + std::to_string(rows) + ", " + std::to_string(cols) + "): got " +
                std::to_string(data_.size()) + " bytes");
  }
}

void ByteMatrix::keep_first(std::size_t rows) {
  if (rows >= rows_) return;
  data_.resize(rows * cols_);
  data_.shrink_to_fit();
  rows_ = rows;
}

ByteMatrix take_rows(const ByteMatrix& src, std::span<const std::size_t> index) {
  ByteMatrix out(index.size(), src.cols());
  for (std::size_t i = 0; i < index.size(); ++i) {
    if (index[i] >= src.rows()) {
      throw Error("take_rows: row " + std::to_string(index[i]) + " of a matrix with " + std::to_string(src.rows()) +
                  " rows");
    }
    std::memcpy(out.row(i), src.row(index[i]), src.cols());
  }
  return out;
}

ColumnScaling ColumnScaling::divide_by(double divide_by, std::size_t cols) {
  if (!(divide_by > 0)) throw Error("ColumnScaling::divide_by: must be > 0, got " + std::to_string(divide_by));
  return {std::vector<Scalar>(cols, static_cast<Scalar>(1.0 / divide_by)), std::vector<Scalar>(cols, Scalar(0))};
}

InputView::InputView(const ByteMatrix& bytes, double scale)
    : is_bytes_(true),
      bytes_(bytes.data()),
      rows_(bytes.rows()),
      cols_(bytes.cols()),
      uniform_scale_(static_cast<Scalar>(scale)) {}

InputView::InputView(const ByteMatrix& bytes, const ColumnScaling& scaling)
    : is_bytes_(true),
      bytes_(bytes.data()),
      rows_(bytes.rows()),
      cols_(bytes.cols()),
      scale_(scaling.scale.data()),
      shift_(scaling.shift.data()) {
  if (scaling.scale.size() != cols_ || scaling.shift.size() != cols_) {
    throw Error("InputView: the scaling has " + std::to_string(scaling.scale.size()) + " scales and " +
                std::to_string(scaling.shift.size()) + " shifts for bytes of " + std::to_string(cols_) + " columns");
  }
}

ConstMatrixView InputView::floats() const {
  if (is_bytes_) throw Error("InputView::floats: the input is bytes, decoded only as batches are copied");
  return floats_;
}

InputView InputView::row_range(std::size_t begin, std::size_t count) const {
  if (begin > rows() || count > rows() - begin) {
    throw Error("InputView::row_range: rows " + std::to_string(begin) + " to " + std::to_string(begin + count) +
                " of " + std::to_string(rows()));
  }
  InputView out = *this;
  if (is_bytes_) {
    out.bytes_ = bytes_ + begin * cols_;
    out.rows_ = count;
  } else {
    out.floats_ = floats_.row_range(begin, count);
  }
  return out;
}

void InputView::decode_row(std::size_t r, Scalar* out) const {
  if (!is_bytes_) {
    std::memcpy(out, floats_.row(r), floats_.cols() * sizeof(Scalar));
    return;
  }
  const std::uint8_t* in = bytes_ + r * cols_;
  if (scale_ != nullptr) {
    scale_shift_row(in, out, cols_, scale_, shift_);
  } else {
    // The per-column form with every scale equal and every shift 0, without the arrays:
    // b · s − 0 is b · s exactly (also when contracted to a fused multiply-add).
    const Scalar s = uniform_scale_;
    for (std::size_t j = 0; j < cols_; ++j) out[j] = static_cast<Scalar>(in[j]) * s;
  }
}

void InputView::copy_rows(std::size_t begin, std::size_t count, MatrixView dst) const {
  if (dst.rows() != count || dst.cols() != cols() || begin > rows() || count > rows() - begin) {
    throw Error("InputView::copy_rows: rows " + std::to_string(begin) + " to " + std::to_string(begin + count) +
                " of " + std::to_string(rows()) + " into a " + std::to_string(dst.rows()) + "x" +
                std::to_string(dst.cols()) + " matrix (inputs have " + std::to_string(cols()) + " columns)");
  }
  parallel_for(count, count * cols(), [&](std::size_t r) { decode_row(begin + r, dst.row(r)); });
}

void InputView::gather(const std::size_t* index, std::size_t count, Matrix& dst) const {
  const std::size_t n = rows();
  for (std::size_t r = 0; r < count; ++r) {
    if (index[r] >= n) {
      throw Error("gather_rows: row " + std::to_string(index[r]) + " of a matrix with " + std::to_string(n) + " rows");
    }
  }
  dst.resize(count, cols());
  Scalar* out = dst.data();
  const std::size_t width = cols();
  parallel_for(count, count * width, [&](std::size_t r) { decode_row(index[r], out + r * width); });
}

Matrix to_matrix(const InputView& x) {
  Matrix out(x.rows(), x.cols());
  x.copy_rows(0, x.rows(), out);
  return out;
}

}  // namespace mlp
