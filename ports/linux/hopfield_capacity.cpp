// The capacity experiment of issue 6 (ports/common/hopfield_capacity.hpp): success rate
// of recall from a query with 10% of its bits flipped vs the number of stored random +-1
// patterns, for the classical, linear, dense (z^3, e^z) and modern memories, d = 64 and
// 100. Prints a table and writes CSV; plot it with hopfield_capacity_plot.py.
//   usage: olsf_hopfield_capacity [out.csv] [trials]
#include <cstdio>
#include <cstdlib>

#include "../common/hopfield_capacity.hpp"

namespace {

using olsf::experiments::CapacityExperiment;
using olsf::experiments::CapacityModel;

// N / d grid: dense near the classical limit, then out to 20 d.
constexpr double kLoads[] = {0.02, 0.05, 0.08, 0.1, 0.12, 0.14, 0.17, 0.2, 0.25, 0.3, 0.4, 0.5,
                             0.75, 1,    1.5,  2,   3,    4,    6,    8,   10,   15,  20};

template <std::size_t D>
void sweep(std::FILE* csv, unsigned trials) {
  std::printf("\nd = %zu, %zu bits flipped, %u trials per point: success rate\n", D, CapacityExperiment<D>::kFlips,
              trials);
  std::printf("%8s %8s", "N", "N/d");
  for (const CapacityModel m : olsf::experiments::kCapacityModels) std::printf(" %10s", to_string(m));
  std::printf("\n");
  for (const double load : kLoads) {
    const auto n = static_cast<std::size_t>(load * static_cast<double>(D) + 0.5);
    if (n < 1) continue;
    std::printf("%8zu %8.2f", n, load);
    for (const CapacityModel m : olsf::experiments::kCapacityModels) {
      if (n > CapacityExperiment<D>::max_patterns(m)) {
        std::printf(" %10s", "-");
        continue;
      }
      const unsigned ok = CapacityExperiment<D>::run(m, n, trials, 1);
      const double rate = static_cast<double>(ok) / trials;
      std::printf(" %10.3f", rate);
      if (csv) std::fprintf(csv, "%zu,%s,%zu,%.4f,%u,%u,%.4f\n", D, to_string(m), n, load, trials, ok, rate);
    }
    std::printf("\n");
    std::fflush(stdout);
  }
}

}  // namespace

int main(int argc, char** argv) {
  const char* path = argc > 1 ? argv[1] : "hopfield_capacity.csv";
  const unsigned trials = argc > 2 ? static_cast<unsigned>(std::atoi(argv[2])) : 100u;
  std::FILE* csv = std::fopen(path, "w");
  if (!csv) {
    std::fprintf(stderr, "cannot write %s\n", path);
    return 1;
  }
  std::fprintf(csv, "d,model,n,load,trials,successes,rate\n");
  sweep<64>(csv, trials);
  sweep<100>(csv, trials);
  std::fclose(csv);
  std::printf("\nwrote %s\n", path);
  return 0;
}
