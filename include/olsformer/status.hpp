// olsformer: status codes returned by every fallible operation.
// The vocabulary follows CMSIS-DSP's arm_status (success, argument error, size
// mismatch, NaN/Inf, singular) so firmware engineers read it without a manual.
#pragma once

namespace olsf {

enum class Status : unsigned char {
  ok = 0,
  invalid_argument,   // a parameter is out of its documented domain (e.g. stride 0)
  non_finite_input,   // the input holds NaN or +-Inf where finite numbers are required
  capacity_exceeded,  // a runtime count is larger than the compile-time capacity
  rank_deficient,     // the data does not determine a unique solution
  not_converged,      // an iteration hit its bound before meeting its tolerance
  empty,              // there is nothing to operate on (count 0)
  all_masked,         // every logit of a softmax row is -inf: no distribution exists
};

constexpr const char* to_string(Status s) noexcept {
  switch (s) {
    case Status::ok: return "ok";
    case Status::invalid_argument: return "invalid_argument";
    case Status::non_finite_input: return "non_finite_input";
    case Status::capacity_exceeded: return "capacity_exceeded";
    case Status::rank_deficient: return "rank_deficient";
    case Status::not_converged: return "not_converged";
    case Status::empty: return "empty";
    case Status::all_masked: return "all_masked";
  }
  return "unknown";
}

}  // namespace olsf
