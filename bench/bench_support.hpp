#pragma once

// Small helpers shared by torsion's benchmarks: timing, medians, and the table they print.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include <sys/resource.h>

namespace torsion::bench {

/// Wall-clock seconds since an arbitrary point.
inline double now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

/// CPU seconds (user + system) this process has used.
inline double cpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

/// The median of `values` (which it sorts).
inline double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values.empty() ? 0.0 : values[values.size() / 2];
}

/// One row of a comparison: a figure for torsion and for its peer, both medians of rounds.
struct Row {
  std::string figure;
  std::string unit;
  std::vector<double> torsion;
  std::vector<double> peer;
};

/// Prints rows as a Markdown table: figure, torsion, peer, ratio torsion/peer.
inline void printTable(const std::string& peerName, const std::vector<Row>& rows) {
  std::printf("| figure | torsion | %s | torsion / %s |\n|---|---|---|---|\n", peerName.c_str(),
              peerName.c_str());
  for (const Row& row : rows) {
    const double t = median(row.torsion);
    const double p = median(row.peer);
    std::printf("| %s | %.1f %s | %.1f %s | %.2f |\n", row.figure.c_str(), t, row.unit.c_str(), p,
                row.unit.c_str(), p > 0 ? t / p : 0.0);
  }
}

}  // namespace torsion::bench
