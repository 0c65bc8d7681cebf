// SPDX-License-Identifier: MIT
#pragma once
// What a model reads as input (Model::fit, evaluate, predict, ...): an InputView of either
//   - floats: a ConstMatrixView (a Matrix converts implicitly), or
//   - bytes: a ByteMatrix (images as IDX files and Keras' load_data() keep them) with a scaling
//     per column j, value = Scalar(byte) · scale_j − shift_j (in Scalar arithmetic), applied only
//     as a batch is copied in.
// The model copies every batch into its own buffer either way, so bytes cost nothing measurable
// in speed and a quarter of the memory: MNIST's 60000 training images are 47 MB as bytes, 188 MB
// as floats (docs/performance.md). The decode is the arithmetic Preprocessing::apply does on
// floats (scale_shift_row below serves both), so bytes train bit-identically to the same bytes
// converted to floats up front.
//
//   const ImageDataset d = load_dataset("mnist");
//   model.fit(InputView(d.x_train, 1.0 / 255), d.y_train, {.batch_size = 128, .epochs = 20});
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "mlp/matrix.hpp"

namespace mlp {

/// Owning (rows, cols) matrix of unsigned bytes, row-major, zero-initialised.
class ByteMatrix {
 public:
  ByteMatrix() = default;
  ByteMatrix(std::size_t rows, std::size_t cols) : data_(rows * cols), rows_(rows), cols_(cols) {}
  /// Takes `data` as rows × cols; throws mlp::Error if its size is not rows · cols.
  ByteMatrix(std::vector<std::uint8_t> data, std::size_t rows, std::size_t cols);

  std::size_t rows() const { return rows_; }
  std::size_t cols() const { return cols_; }
  std::size_t size() const { return data_.size(); }
  bool empty() const { return data_.empty(); }
  std::uint8_t* data() { return data_.data(); }
  const std::uint8_t* data() const { return data_.data(); }
  std::uint8_t* row(std::size_t r) { return data_.data() + r * cols_; }
  const std::uint8_t* row(std::size_t r) const { return data_.data() + r * cols_; }
  std::span<const std::uint8_t> values() const { return data_; }
  /// Keeps the first `rows` rows (no-op when there are not more); releases the memory of the rest.
  void keep_first(std::size_t rows);

 private:
  std::vector<std::uint8_t> data_;
  std::size_t rows_ = 0, cols_ = 0;
};

/// The rows of `src` at `index[0 … count)`, in that order. Throws mlp::Error on an index out of range.
ByteMatrix take_rows(const ByteMatrix& src, std::span<const std::size_t> index);

/// How each column of bytes becomes a float: value_j = byte · scale[j] − shift[j].
struct ColumnScaling {
  std::vector<Scalar> scale, shift;
  /// value = byte / divide_by in every column (255: pixels 0–255 → 0–1), computed as
  /// byte · Scalar(1 / divide_by), exactly what Preprocessing{.divide_by} applies to floats.
  static ColumnScaling divide_by(double divide_by, std::size_t cols);
};

/// out[j] = Scalar(in[j]) · scale[j] − shift[j] for j < n (in may equal out for floats). The one
/// definition of the decode: Preprocessing::apply and InputView both use it, so they agree to the bit.
template <class T>
inline void scale_shift_row(const T* in, Scalar* out, std::size_t n, const Scalar* scale, const Scalar* shift) {
  for (std::size_t j = 0; j < n; ++j) out[j] = static_cast<Scalar>(in[j]) * scale[j] - shift[j];
}

class InputView {
 public:
  InputView() = default;
  InputView(ConstMatrixView floats) : floats_(floats) {}       // NOLINT(implicit)
  InputView(MatrixView floats) : floats_(floats) {}            // NOLINT(implicit)
  InputView(const Matrix& floats) : floats_(floats.view()) {}  // NOLINT(implicit)
  /// Bytes decoded as byte · scale (the same scale in every column, no shift).
  InputView(const ByteMatrix& bytes, double scale);
  /// Bytes decoded per column by `scaling` (one scale and one shift per column, else mlp::Error).
  /// Both must outlive the view, as the data of any view.
  InputView(const ByteMatrix& bytes, const ColumnScaling& scaling);
  InputView(const ByteMatrix&&, double) = delete;                // would dangle
  InputView(const ByteMatrix&, const ColumnScaling&&) = delete;  // would dangle
  InputView(const ByteMatrix&&, const ColumnScaling&) = delete;  // would dangle

  std::size_t rows() const { return is_bytes_ ? rows_ : floats_.rows(); }
  std::size_t cols() const { return is_bytes_ ? cols_ : floats_.cols(); }
  bool bytes() const { return is_bytes_; }
  /// The floats of a float view; throws mlp::Error for bytes (they have no floats to point at).
  ConstMatrixView floats() const;
  /// Rows [begin, begin + count) (must be in range, as ConstMatrixView::row_range).
  InputView row_range(std::size_t begin, std::size_t count) const;

  /// dst (count, cols) ← rows [begin, begin + count), decoded. dst's shape must be (count, cols).
  void copy_rows(std::size_t begin, std::size_t count, MatrixView dst) const;
  /// dst ← the rows index[0 … count), decoded; dst is resized (no allocation within its
  /// capacity). Rows go in parallel for large batches. Throws mlp::Error naming an index out of range.
  void gather(const std::size_t* index, std::size_t count, Matrix& dst) const;

 private:
  ConstMatrixView floats_;
  bool is_bytes_ = false;
  const std::uint8_t* bytes_ = nullptr;
  std::size_t rows_ = 0, cols_ = 0;
  const Scalar* scale_ = nullptr;  // per column, or null: uniform_scale_ in every column
  const Scalar* shift_ = nullptr;
  Scalar uniform_scale_ = 1;

  void decode_row(std::size_t r, Scalar* out) const;
};

/// Inputs of a model with several inputs, one per input in order (a Matrix, a view or bytes each).
using Inputs = std::vector<InputView>;
/// The same without owning the list.
using InputSpan = std::span<const InputView>;

/// The decoded floats of x as a new Matrix (what a model reads from it).
Matrix to_matrix(const InputView& x);

}  // namespace mlp
