// Fuzzing the eigensolver and the one-sided Jacobi SVD (issue #8): arbitrary matrices with
// NaN, Inf, denormals, huge and tiny entries, symmetric or not, cold or warm-started, every
// backend, float and double. ok means finite, sorted results; anything else means the
// previous results are still there.
#include <cstring>

#include "fuzz_input.hpp"
#include "olsformer/backend.hpp"
#include "olsformer/jacobi.hpp"

namespace {

using olsf::Status;
using olsf::fuzz::fail;
using olsf::fuzz::Input;

constexpr std::size_t kN = 12;

template <typename T, class Backend>
void eigen_case(Input& in, olsf::SymmetricEigen<T, kN, Backend>& eig) {
  olsf::Matrix<T, kN + 2, kN + 2> a;  // room for sizes over the solver's capacity
  const std::size_t n = in.size(0, kN + 2);
  const bool symmetric = in.byte() % 4 != 0;
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j <= i; ++j) {
      a(i, j) = in.template value<T>();
      a(j, i) = symmetric ? a(i, j) : in.template value<T>();
    }
  olsf::JacobiOptions options;
  const std::uint8_t ordering = in.byte() % 3;
  options.ordering = ordering == 0   ? olsf::JacobiOrdering::parallel
                     : ordering == 1 ? olsf::JacobiOrdering::cyclic
                                     : olsf::JacobiOrdering::automatic;
  options.criterion = in.byte() & 1 ? olsf::JacobiCriterion::absolute : olsf::JacobiCriterion::relative;
  options.max_sweeps = static_cast<unsigned>(in.size(0, 40));

  if (std::getenv("OLSF_FUZZ_PRINT")) {  // reproducing a finding: show the input
    std::fprintf(stderr, "eigen %s n=%zu ordering=%d criterion=%d max_sweeps=%u\n", sizeof(T) == 4 ? "float" : "double",
                 n, int(options.ordering), int(options.criterion), options.max_sweeps);
    for (std::size_t i = 0; i < n; ++i) {
      for (std::size_t j = 0; j < n; ++j) std::fprintf(stderr, " %.17g", double(a(i, j)));
      std::fprintf(stderr, "\n");
    }
  }
  const std::size_t n_before = eig.size();
  T values_before[kN];
  std::memcpy(values_before, eig.eigenvalues(), sizeof values_before);
  const olsf::Matrix<T, kN, kN> vectors_before = eig.eigenvectors();

  const olsf::ConstMatrixView<T> av{a.data(), n, n, a.stride()};
  const bool warm = (in.byte() & 1) != 0 && n_before == n && n > 0;
  const olsf::Matrix<T, kN, kN> v0 = eig.eigenvectors();  // warm start from the previous fit
  const Status s = warm ? eig.compute(av, olsf::ConstMatrixView<T>{v0.data(), n, n, v0.stride()}, options)
                        : eig.compute(av, options);
  if (s == Status::ok) {
    if (eig.size() != n) fail("eigen", "ok but size() is not n");
    if (!olsf::fuzz::all_finite(eig.eigenvalues(), n)) fail("eigen", "ok with a non-finite eigenvalue");
    for (std::size_t k = 1; k < n; ++k)
      if (eig.eigenvalues()[k - 1] > eig.eigenvalues()[k]) fail("eigen", "ok with unsorted eigenvalues");
    for (std::size_t i = 0; i < n; ++i)
      if (!olsf::fuzz::all_finite(eig.eigenvectors().row(i), n)) fail("eigen", "ok with a non-finite eigenvector");
  } else {
    if (eig.size() != n_before || std::memcmp(values_before, eig.eigenvalues(), sizeof values_before) != 0)
      fail("eigen", "a failed compute changed the eigenvalues");
    for (std::size_t i = 0; i < kN; ++i)
      if (std::memcmp(vectors_before.row(i), eig.eigenvectors().row(i), kN * sizeof(T)) != 0)
        fail("eigen", "a failed compute changed the eigenvectors");
  }
}

// Two solves per input on a fresh solver: the second may warm-start from the first, and a
// finding reproduces from its input alone.
template <typename T, class Backend>
void eigen_cases(Input& in) {
  static olsf::SymmetricEigen<T, kN, Backend> eig;
  eig = olsf::SymmetricEigen<T, kN, Backend>{};
  eigen_case(in, eig);
  eigen_case(in, eig);
}

template <typename T, class Backend>
void svd_case(Input& in) {
  constexpr std::size_t kM = 10, kCols = 6;
  static olsf::JacobiSvd<T, kM, kCols, Backend> svd;
  svd = olsf::JacobiSvd<T, kM, kCols, Backend>{};  // every input starts from a fresh solver
  olsf::Matrix<T, kM + 2, kCols + 2> x;
  const std::size_t m = in.size(0, kM + 2), n = in.size(0, kCols + 2);
  for (std::size_t i = 0; i < m; ++i)
    for (std::size_t j = 0; j < n; ++j) x(i, j) = in.template value<T>();
  T sigma_before[kCols];
  std::memcpy(sigma_before, svd.singular_values(), sizeof sigma_before);
  const Status s = svd.compute(olsf::ConstMatrixView<T>{x.data(), m, n, x.stride()}, (in.byte() & 1) != 0,
                               static_cast<unsigned>(in.size(0, 40)));
  if (s == Status::ok) {
    for (std::size_t k = 0; k < n && k < kCols; ++k)
      if (!(svd.singular_values()[k] >= T(0)) || !olsf::fuzz::all_finite(svd.singular_values() + k, 1))
        fail("svd", "ok with a negative or non-finite singular value");
  } else if (std::memcmp(sigma_before, svd.singular_values(), sizeof sigma_before) != 0) {
    fail("svd", "a failed compute changed the singular values");
  }
}

template <class Backend>
void run(Input& in) {
  switch (in.byte() % 4) {
    case 0: eigen_cases<float, Backend>(in); break;
    case 1: eigen_cases<double, Backend>(in); break;
    case 2: svd_case<float, Backend>(in); break;
    default: svd_case<double, Backend>(in); break;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Input in(data, size);
  switch (in.byte() % 3) {
    case 0: run<olsf::ScalarBackend>(in); break;
    case 1: run<olsf::HighwayBackend>(in); break;
    default: run<olsf::XsimdBackend>(in); break;
  }
  return 0;
}
