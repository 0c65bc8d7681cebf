// SPDX-License-Identifier: MIT
#include "mlp/matrix.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>

#include "mlp/error.hpp"

namespace mlp {
namespace {
constexpr std::size_t kAlignment = 64;

Scalar* allocate(std::size_t count) {
  if (count == 0) return nullptr;
  std::size_t bytes = count * sizeof(Scalar);
  bytes = (bytes + kAlignment - 1) / kAlignment * kAlignment;
  void* p = std::aligned_alloc(kAlignment, bytes);
  if (p == nullptr) throw std::bad_alloc();
  std::memset(p, 0, bytes);
  return static_cast<Scalar*>(p);
}
}  // namespace

void Matrix::FreeDeleter::operator()(Scalar* p) const { std::free(p); }

Matrix::Matrix(std::size_t rows, std::size_t cols)
    : data_(allocate(rows * cols)), rows_(rows), cols_(cols), capacity_(rows * cols) {}

Matrix::Matrix(std::size_t rows, std::size_t cols, std::initializer_list<Scalar> values) : Matrix(rows, cols) {
  if (values.size() != rows * cols) {
    throw Error("Matrix(" + std::to_string(rows) + ", " + std::to_string(cols) + "): got " +
                std::to_string(values.size()) + " values");
  }
  std::copy(values.begin(), values.end(), data());
}

Matrix::Matrix(const Matrix& other) : Matrix(other.rows_, other.cols_) {
  if (other.size() != 0) std::memcpy(data(), other.data(), other.size() * sizeof(Scalar));
}

Matrix& Matrix::operator=(const Matrix& other) {
  if (this == &other) return *this;
  resize(other.rows_, other.cols_);
  if (other.size() != 0) std::memcpy(data(), other.data(), other.size() * sizeof(Scalar));
  return *this;
}

void Matrix::resize(std::size_t rows, std::size_t cols) {
  const std::size_t needed = rows * cols;
  if (needed > capacity_) {
    data_.reset(allocate(needed));
    capacity_ = needed;
  }
  rows_ = rows;
  cols_ = cols;
}

void Matrix::fill(Scalar value) { std::fill(data(), data() + size(), value); }

void copy(ConstMatrixView src, MatrixView dst) {
  if (src.rows() != dst.rows() || src.cols() != dst.cols()) {
    throw Error("copy: shape (" + std::to_string(src.rows()) + ", " + std::to_string(src.cols()) + ") into (" +
                std::to_string(dst.rows()) + ", " + std::to_string(dst.cols()) + ")");
  }
  for (std::size_t r = 0; r < src.rows(); ++r) {
    std::memcpy(dst.row(r), src.row(r), src.cols() * sizeof(Scalar));
  }
}

}  // namespace mlp
