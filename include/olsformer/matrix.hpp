// olsformer: fixed-capacity matrices with inline, aligned storage and non-owning views.
//
// Matrix<T, Rows, Cols> owns Rows x padded_stride(Cols) elements inside the object (no
// heap). Algorithms work on the runtime-sized top-left block through a view
// (pointer, rows, cols, stride), so one compiled kernel serves every capacity.
#pragma once
#include <cstddef>

#include "olsformer/simd_width.hpp"
#include "olsformer/status.hpp"

namespace olsf {

// A non-owning, row-major view: element (i, j) lives at data[i * stride + j].
template <typename T>
struct MatrixView {
  T* data = nullptr;
  std::size_t rows = 0;
  std::size_t cols = 0;
  std::size_t stride = 0;

  constexpr T& operator()(std::size_t i, std::size_t j) const noexcept { return data[i * stride + j]; }
  constexpr T* row(std::size_t i) const noexcept { return data + i * stride; }
  constexpr bool empty() const noexcept { return rows == 0 || cols == 0; }
};

template <typename T>
using ConstMatrixView = MatrixView<const T>;

template <typename T, std::size_t Rows, std::size_t Cols>
class Matrix {
  static_assert(Rows > 0 && Cols > 0, "a Matrix needs at least one row and one column");

 public:
  using value_type = T;
  static constexpr std::size_t kRows = Rows;
  static constexpr std::size_t kCols = Cols;
  static constexpr std::size_t kStride = padded_stride<T>(Cols);

  // Zero-initialised, padding included: kernels may read whole padded vectors.
  constexpr Matrix() noexcept : data_{} {}

  static constexpr std::size_t rows() noexcept { return Rows; }
  static constexpr std::size_t cols() noexcept { return Cols; }
  static constexpr std::size_t stride() noexcept { return kStride; }

  T* data() noexcept { return data_; }
  const T* data() const noexcept { return data_; }
  T* row(std::size_t i) noexcept { return data_ + i * kStride; }
  const T* row(std::size_t i) const noexcept { return data_ + i * kStride; }
  T& operator()(std::size_t i, std::size_t j) noexcept { return data_[i * kStride + j]; }
  const T& operator()(std::size_t i, std::size_t j) const noexcept { return data_[i * kStride + j]; }

  MatrixView<T> view() noexcept { return {data_, Rows, Cols, kStride}; }
  ConstMatrixView<T> view() const noexcept { return {data_, Rows, Cols, kStride}; }

  // The top-left rows x cols block. Fails with capacity_exceeded (and leaves `out`
  // untouched) when the block does not fit.
  Status block(std::size_t rows, std::size_t cols, MatrixView<T>& out) noexcept {
    if (rows > Rows || cols > Cols) return Status::capacity_exceeded;
    out = {data_, rows, cols, kStride};
    return Status::ok;
  }
  Status block(std::size_t rows, std::size_t cols, ConstMatrixView<T>& out) const noexcept {
    if (rows > Rows || cols > Cols) return Status::capacity_exceeded;
    out = {data_, rows, cols, kStride};
    return Status::ok;
  }

  void fill(T value) noexcept {
    for (std::size_t i = 0; i < Rows * kStride; ++i) data_[i] = value;
  }

 private:
  alignas(kSimdAlign<T>) T data_[Rows * kStride];
};

}  // namespace olsf
