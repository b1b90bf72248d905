#include <gtest/gtest.h>

#include <cstdint>

#include "olsformer/matrix.hpp"
#include "olsformer/status.hpp"

namespace {

TEST(Matrix, RowsArePaddedToWholeVectorsAndAligned) {
  olsf::Matrix<float, 3, 5> m;
  EXPECT_EQ(m.stride() % olsf::kSimdLanes<float>, 0u);
  EXPECT_GE(m.stride(), 5u);
  EXPECT_LT(m.stride(), 5u + olsf::kSimdLanes<float>);
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(m.row(i)) % olsf::kSimdAlign<float>, 0u);
  }
  olsf::Matrix<double, 2, 4> d;
  EXPECT_EQ(d.stride() % olsf::kSimdLanes<double>, 0u);
}

TEST(Matrix, StartsZeroIncludingPadding) {
  olsf::Matrix<double, 4, 3> m;
  for (std::size_t i = 0; i < 4 * m.stride(); ++i) EXPECT_EQ(m.data()[i], 0.0);
}

TEST(Matrix, ElementAccessUsesTheStride) {
  olsf::Matrix<float, 4, 3> m;
  m(2, 1) = 5.0f;
  EXPECT_EQ(m.data()[2 * m.stride() + 1], 5.0f);
  EXPECT_EQ(m.view()(2, 1), 5.0f);
}

TEST(Matrix, BlockWithinCapacity) {
  olsf::Matrix<float, 4, 6> m;
  olsf::MatrixView<float> v;
  ASSERT_EQ(m.block(2, 3, v), olsf::Status::ok);
  EXPECT_EQ(v.rows, 2u);
  EXPECT_EQ(v.cols, 3u);
  EXPECT_EQ(v.stride, m.stride());
  v(1, 2) = 9.0f;
  EXPECT_EQ(m(1, 2), 9.0f);
}

TEST(Matrix, BlockOverCapacityFailsAndLeavesTheViewAlone) {
  olsf::Matrix<float, 4, 6> m;
  olsf::MatrixView<float> v;
  ASSERT_EQ(m.block(2, 3, v), olsf::Status::ok);
  const olsf::MatrixView<float> before = v;
  EXPECT_EQ(m.block(5, 3, v), olsf::Status::capacity_exceeded);
  EXPECT_EQ(m.block(4, 7, v), olsf::Status::capacity_exceeded);
  EXPECT_EQ(v.data, before.data);
  EXPECT_EQ(v.rows, before.rows);
  EXPECT_EQ(v.cols, before.cols);
}

TEST(Status, EveryCodeHasADistinctName) {
  using olsf::Status;
  const Status all[] = {Status::ok, Status::invalid_argument, Status::non_finite_input, Status::capacity_exceeded,
                        Status::rank_deficient, Status::not_converged, Status::empty, Status::all_masked};
  for (std::size_t i = 0; i < std::size(all); ++i) {
    EXPECT_STRNE(olsf::to_string(all[i]), "unknown");
    for (std::size_t j = 0; j < i; ++j) EXPECT_STRNE(olsf::to_string(all[i]), olsf::to_string(all[j]));
  }
}

}  // namespace
