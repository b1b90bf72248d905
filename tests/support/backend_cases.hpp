// olsformer tests: GoogleTest type lists over every compiled backend policy and scalar
// type, for typed tests of the algorithms (SymmetricEigen, JacobiSvd, OlsTransformer...).
#pragma once
#include <gtest/gtest.h>

#include <string>

#include "olsformer/backend.hpp"

namespace olsf::testing {

template <class T, class B>
struct Case {
  using Scalar = T;
  using Backend = B;
};

using BackendCases = ::testing::Types<Case<float, ScalarBackend>, Case<double, ScalarBackend>
#if defined(OLSF_HAVE_HIGHWAY)
                                      ,
                                      Case<float, HighwayBackend>, Case<double, HighwayBackend>
#endif
#if defined(OLSF_HAVE_XSIMD)
                                      ,
                                      Case<float, XsimdBackend>, Case<double, XsimdBackend>
#endif
                                      >;

using DoubleBackendCases = ::testing::Types<Case<double, ScalarBackend>
#if defined(OLSF_HAVE_HIGHWAY)
                                            ,
                                            Case<double, HighwayBackend>
#endif
#if defined(OLSF_HAVE_XSIMD)
                                            ,
                                            Case<double, XsimdBackend>
#endif
                                            >;

// Test names like "highway_f32".
struct BackendCaseNames {
  template <class C>
  static std::string GetName(int) {
    return std::string(C::Backend::name()) + (sizeof(typename C::Scalar) == 4 ? "_f32" : "_f64");
  }
};

}  // namespace olsf::testing
