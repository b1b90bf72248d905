// olsformer: the vocabulary shared by the Hopfield memories (hebbian_hopfield.hpp,
// dense_hopfield.hpp, modern_hopfield.hpp, linear_hopfield.hpp).
#pragma once
#include <cstddef>

namespace olsf {

// How the binary (+-1) memories update their state.
enum class HopfieldUpdate : unsigned char {
  synchronous,   // every neuron from the same old state (Little 1974): may end in a 2-cycle
  asynchronous,  // one neuron at a time in index order (Hopfield 1982): energy never rises,
                 // so the dynamics always ends in a fixed point
};

// How a binary memory's recall ended.
enum class HopfieldOutcome : unsigned char {
  fixed_point,  // the last step changed nothing
  two_cycle,    // synchronous only: the state returned to the one two steps back
  step_limit,   // max_steps steps taken, still moving
};

constexpr const char* to_string(HopfieldOutcome o) noexcept {
  switch (o) {
    case HopfieldOutcome::fixed_point: return "fixed_point";
    case HopfieldOutcome::two_cycle: return "two_cycle";
    case HopfieldOutcome::step_limit: return "step_limit";
  }
  return "unknown";
}

}  // namespace olsf
