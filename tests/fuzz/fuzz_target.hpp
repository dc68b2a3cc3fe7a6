#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

/// The entry point every fuzz target defines (libFuzzer's contract): run the code under test on
/// `data` and return 0. It aborts, through torsion::fuzz::check, when an invariant breaks, so
/// libFuzzer (or the replay driver) reports the input as a crash.
///
/// The same source links two ways (tests/fuzz/CMakeLists.txt): with libFuzzer's main, which
/// generates inputs, and with replay_main.cpp, which feeds the files of the target's corpus once
/// each, so every test run replays the corpus with whatever compiler built it.
// NOLINTNEXTLINE(readability-identifier-naming): libFuzzer fixes the name.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace torsion::fuzz {

/// Aborts the run, naming the invariant, unless `ok`. An abort rather than an exception: the
/// code under test may catch exceptions, and libFuzzer saves the input of a crashing run.
inline void check(bool ok, const char* invariant) {
  if (!ok) {
    std::fprintf(stderr, "fuzz: invariant broken: %s\n", invariant);
    std::abort();
  }
}

}  // namespace torsion::fuzz
