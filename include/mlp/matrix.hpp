// SPDX-License-Identifier: MIT
#pragma once
// Matrix: 2-D, row-major, 64-byte aligned storage of Scalar. Rows are samples: a batch is (N, F).
// MatrixView / ConstMatrixView: non-owning {data, rows, cols, stride} windows, cheap to copy.
// There are no N-D tensors: a layer that sees images keeps its logical shape in a Shape
// (shape.hpp) while the data stays (N, product of the shape).
#include <cstddef>
#include <memory>
#include <span>

#include "mlp/scalar.hpp"

namespace mlp {

class ConstMatrixView {
 public:
  ConstMatrixView() = default;
  ConstMatrixView(const Scalar* data, std::size_t rows, std::size_t cols, std::size_t stride)
      : data_(data), rows_(rows), cols_(cols), stride_(stride) {}
  ConstMatrixView(const Scalar* data, std::size_t rows, std::size_t cols) : ConstMatrixView(data, rows, cols, cols) {}

  const Scalar* data() const { return data_; }
  std::size_t rows() const { return rows_; }
  std::size_t cols() const { return cols_; }
  std::size_t stride() const { return stride_; }
  std::size_t size() const { return rows_ * cols_; }
  bool empty() const { return data_ == nullptr || rows_ == 0 || cols_ == 0; }
  bool contiguous() const { return stride_ == cols_; }
  const Scalar* row(std::size_t r) const { return data_ + r * stride_; }
  Scalar operator()(std::size_t r, std::size_t c) const { return data_[r * stride_ + c]; }
  /// Rows [begin, begin + count).
  ConstMatrixView row_range(std::size_t begin, std::size_t count) const {
    return {data_ + begin * stride_, count, cols_, stride_};
  }

 private:
  const Scalar* data_ = nullptr;
  std::size_t rows_ = 0, cols_ = 0, stride_ = 0;
};

class MatrixView {
 public:
  MatrixView() = default;
  MatrixView(Scalar* data, std::size_t rows, std::size_t cols, std::size_t stride)
      : data_(data), rows_(rows), cols_(cols), stride_(stride) {}
  MatrixView(Scalar* data, std::size_t rows, std::size_t cols) : MatrixView(data, rows, cols, cols) {}

  Scalar* data() const { return data_; }
  std::size_t rows() const { return rows_; }
  std::size_t cols() const { return cols_; }
  std::size_t stride() const { return stride_; }
  std::size_t size() const { return rows_ * cols_; }
  bool empty() const { return data_ == nullptr || rows_ == 0 || cols_ == 0; }
  bool contiguous() const { return stride_ == cols_; }
  Scalar* row(std::size_t r) const { return data_ + r * stride_; }
  Scalar& operator()(std::size_t r, std::size_t c) const { return data_[r * stride_ + c]; }
  MatrixView row_range(std::size_t begin, std::size_t count) const {
    return {data_ + begin * stride_, count, cols_, stride_};
  }
  operator ConstMatrixView() const { return {data_, rows_, cols_, stride_}; }  // NOLINT(implicit)

 private:
  Scalar* data_ = nullptr;
  std::size_t rows_ = 0, cols_ = 0, stride_ = 0;
};

/// Owning, contiguous (stride == cols), zero-initialised on construction.
/// resize() keeps the allocation when the new size fits in the capacity, so buffers sized for a
/// full batch serve the smaller last batch without touching the heap.
class Matrix {
 public:
  Matrix() = default;
  Matrix(std::size_t rows, std::size_t cols);
  Matrix(std::size_t rows, std::size_t cols, std::initializer_list<Scalar> values);
  Matrix(const Matrix& other);
  Matrix& operator=(const Matrix& other);
  Matrix(Matrix&&) noexcept = default;
  Matrix& operator=(Matrix&&) noexcept = default;
  ~Matrix() = default;

  /// Changes the shape. Contents are unspecified afterwards unless the size is unchanged.
  void resize(std::size_t rows, std::size_t cols);
  void fill(Scalar value);

  Scalar* data() { return data_.get(); }
  const Scalar* data() const { return data_.get(); }
  std::size_t rows() const { return rows_; }
  std::size_t cols() const { return cols_; }
  std::size_t size() const { return rows_ * cols_; }
  std::size_t capacity() const { return capacity_; }
  bool empty() const { return size() == 0; }
  Scalar* row(std::size_t r) { return data() + r * cols_; }
  const Scalar* row(std::size_t r) const { return data() + r * cols_; }
  Scalar& operator()(std::size_t r, std::size_t c) { return data_[r * cols_ + c]; }
  Scalar operator()(std::size_t r, std::size_t c) const { return data_[r * cols_ + c]; }
  Scalar& operator[](std::size_t i) { return data_[i]; }
  Scalar operator[](std::size_t i) const { return data_[i]; }
  std::span<Scalar> values() { return {data(), size()}; }
  std::span<const Scalar> values() const { return {data(), size()}; }

  MatrixView view() { return {data(), rows_, cols_}; }
  ConstMatrixView view() const { return {data(), rows_, cols_}; }
  ConstMatrixView cview() const { return view(); }
  operator MatrixView() { return view(); }             // NOLINT(implicit)
  operator ConstMatrixView() const { return view(); }  // NOLINT(implicit)

 private:
  struct FreeDeleter {
    void operator()(Scalar* p) const;
  };
  std::unique_ptr<Scalar[], FreeDeleter> data_;
  std::size_t rows_ = 0, cols_ = 0, capacity_ = 0;
};

/// Copies src into dst; shapes must match.
void copy(ConstMatrixView src, MatrixView dst);

}  // namespace mlp
