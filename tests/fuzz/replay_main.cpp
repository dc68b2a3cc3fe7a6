// The replay driver: runs a fuzz target once on each file of a corpus, without libFuzzer, so that
// every test build (any compiler, with or without sanitizers) checks that the seeds and the
// saved crash reproducers pass.
//
// Usage: torsion_fuzz_replay_<target> PATH...
//   Each PATH is a file or a directory whose regular files are replayed in name order.
// Exits 0 when at least one input ran and none broke an invariant (a broken one aborts);
// exits 1 when nothing was replayed (an empty or missing corpus is a mistake, not a pass).

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "fuzz_target.hpp"

namespace {

std::vector<std::filesystem::path> inputsUnder(const std::filesystem::path& path) {
  std::vector<std::filesystem::path> inputs;
  if (std::filesystem::is_directory(path)) {
    for (const auto& entry : std::filesystem::directory_iterator(path)) {
      if (entry.is_regular_file()) {
        inputs.push_back(entry.path());
      }
    }
    std::sort(inputs.begin(), inputs.end());
  } else if (std::filesystem::is_regular_file(path)) {
    inputs.push_back(path);
  }
  return inputs;
}

std::vector<std::uint8_t> readBytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t replayed = 0;
  for (int i = 1; i < argc; ++i) {
    for (const auto& input : inputsUnder(argv[i])) {
      std::fprintf(stderr, "replay: %s\n", input.c_str());
      const std::vector<std::uint8_t> bytes = readBytes(input);
      LLVMFuzzerTestOneInput(bytes.data(), bytes.size());
      ++replayed;
    }
  }
  std::fprintf(stderr, "replay: %zu inputs passed\n", replayed);
  return replayed == 0 ? 1 : 0;
}
