// deferred_bench: what a Deferred costs, measured against a plain std::function call.
//
// Plain C++ and std::chrono, no framework. Every figure is the median of kRounds rounds, all
// measured side by side in one run, with its ratio to the std::function floor. The binary also
// replaces the global operator new to count heap allocations per Deferred.
//
// Run it (Release build):  ./bench/torsion_deferred_bench
// It finishes in a few seconds; docs/deferred.md quotes its output.

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <new>
#include <string>
#include <vector>

#include <torsion/deferred/deferred.hpp>
#include <torsion/deferred/deferred_list.hpp>

namespace {

// Counts every allocation made through the replaced global operator new (this binary only).
// NOLINTNEXTLINE(cppcoreguidelines-avoid-non-const-global-variables)
std::size_t allocationCount = 0;

}  // namespace

void* operator new(std::size_t size) {
  ++allocationCount;
  if (void* p = std::malloc(size == 0 ? 1 : size)) {  // NOLINT(*-no-malloc, *-owning-memory)
    return p;
  }
  throw std::bad_alloc();
}

// GCC pairs the inlined replacement new with these deletes and wrongly reports free() on memory
// "from new"; both sides are malloc/free here, so the warning is a false positive.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

void operator delete(void* p) noexcept {
  std::free(p);
}  // NOLINT(*-no-malloc, *-owning-memory)

void operator delete(void* p, std::size_t /*size*/) noexcept {
  std::free(p);  // NOLINT(*-no-malloc, *-owning-memory)
}

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

namespace {

constexpr int kRounds = 7;

// Keeps the optimiser from deleting or constant-folding what is being measured.
template <class T>
void doNotOptimize(T& value) {
  __asm__ volatile("" : "+m"(value) : : "memory");
}

using Clock = std::chrono::steady_clock;

// One benchmark: `body(iterations)` performs `iterations * opsPerIteration` operations.
struct Bench {
  const char* name;
  long iterations;
  long opsPerIteration;
  std::function<void(long)> body;
  std::vector<double> rounds;  // ns per operation, one entry per round

  [[nodiscard]] double median() const {
    std::vector<double> sorted = rounds;
    std::sort(sorted.begin(), sorted.end());
    return sorted[sorted.size() / 2];
  }
};

// Runs every benchmark once per round, interleaved, so that all of them see the same machine
// conditions (the figures are compared with each other, not with other runs).
void runInterleaved(std::vector<Bench>& benches) {
  for (Bench& b : benches) {
    b.body(b.iterations / 10);  // warm up caches and the allocator
  }
  for (int r = 0; r < kRounds; ++r) {
    for (Bench& b : benches) {
      auto start = Clock::now();
      b.body(b.iterations);
      auto stop = Clock::now();
      double ns = std::chrono::duration<double, std::nano>(stop - start).count();
      b.rounds.push_back(ns / static_cast<double>(b.iterations * b.opsPerIteration));
    }
  }
}

Bench benchStdFunction(long n) {
  return {"std::function call (the floor)",
          n,
          1,
          [](long iterations) {
            std::function<int(int)> f = [](int x) { return x + 1; };
            doNotOptimize(f);
            int acc = 0;
            for (long i = 0; i < iterations; ++i) {
              acc = f(acc);
            }
            doNotOptimize(acc);
          },
          {}};
}

Bench benchAddCallbackSteady(long n) {
  return {"addCallback on a fired Deferred, per callback",
          n,
          1,
          [](long iterations) {
            torsion::Deferred<int> d = torsion::succeed(0);
            for (long i = 0; i < iterations; ++i) {
              d.addCallback([](int x) { return x + 1; });
            }
            doNotOptimize(d);
          },
          {}};
}

Bench benchFiredWithCallbacks(const char* name, long n, int callbacks) {
  return {name,
          n,
          callbacks,
          [callbacks](long iterations) {
            for (long i = 0; i < iterations; ++i) {
              torsion::Deferred<int> d = torsion::succeed(static_cast<int>(i));
              for (int c = 0; c < callbacks; ++c) {
                d.addCallback([](int x) { return x + 1; });
              }
              doNotOptimize(d);
            }
          },
          {}};
}

Bench benchUnfiredWithCallbacks(long n, int callbacks) {
  return {"unfired + 10 callbacks + callback(), per callback",
          n,
          callbacks,
          [callbacks](long iterations) {
            for (long i = 0; i < iterations; ++i) {
              torsion::Deferred<int> d;
              for (int c = 0; c < callbacks; ++c) {
                d.addCallback([](int x) { return x + 1; });
              }
              d.callback(static_cast<int>(i));
              doNotOptimize(d);
            }
          },
          {}};
}

Bench benchSucceedOnly(long n) {
  return {"succeed() alone (create + destroy a fired Deferred)",
          n,
          1,
          [](long iterations) {
            for (long i = 0; i < iterations; ++i) {
              torsion::Deferred<int> d = torsion::succeed(static_cast<int>(i));
              doNotOptimize(d);
            }
          },
          {}};
}

torsion::Deferred<long> awaitLoop(long iterations) {
  long sum = 0;
  for (long i = 0; i < iterations; ++i) {
    sum += co_await torsion::succeed(i);
  }
  co_return sum;
}

Bench benchCoAwaitFired(long n) {
  return {"co_await succeed(i) in a coroutine, per co_await",
          n,
          1,
          [](long iterations) {
            torsion::Deferred<long> d = awaitLoop(iterations);
            doNotOptimize(d);
          },
          {}};
}

Bench benchDeferredList(long n, int width) {
  return {"DeferredList of 100 fired Deferreds, per list",
          n,
          1,
          [width](long iterations) {
            for (long i = 0; i < iterations; ++i) {
              std::vector<torsion::Deferred<int>> inputs;
              inputs.reserve(static_cast<std::size_t>(width));
              for (int k = 0; k < width; ++k) {
                inputs.push_back(torsion::succeed(k));
              }
              torsion::DeferredList<int> list(std::move(inputs));
              doNotOptimize(list);
            }
          },
          {}};
}

template <class Fn>
std::size_t allocationsOf(Fn fn) {
  std::size_t before = allocationCount;
  fn();
  return allocationCount - before;
}

void printRow(const char* name, double ns, double floor) {
  std::printf("| %-52s | %9.2f | %7.1fx |\n", name, ns, ns / floor);
}

}  // namespace

int main() {
  std::printf("torsion Deferred benchmark: median of %d interleaved rounds, ns per operation\n\n",
              kRounds);
  std::vector<Bench> benches;
  benches.push_back(benchStdFunction(20'000'000));
  benches.push_back(benchAddCallbackSteady(20'000'000));
  benches.push_back(benchFiredWithCallbacks("succeed() + 1 callback, per callback", 2'000'000, 1));
  benches.push_back(benchFiredWithCallbacks("succeed() + 10 callbacks, per callback", 500'000, 10));
  benches.push_back(benchUnfiredWithCallbacks(300'000, 10));
  benches.push_back(benchSucceedOnly(2'000'000));
  benches.push_back(benchCoAwaitFired(2'000'000));
  benches.push_back(benchDeferredList(10'000, 100));
  runInterleaved(benches);

  const double floor = benches[0].median();
  std::printf("| %-52s | %9s | %8s |\n", "operation", "ns/op", "vs floor");
  std::printf("|%s|%s|%s|\n", std::string(54, '-').c_str(), std::string(11, '-').c_str(),
              std::string(10, '-').c_str());
  for (const Bench& b : benches) {
    printRow(b.name, b.median(), floor);
  }
  printRow("co_await itself (co_await row minus succeed() row)",
           benches[6].median() - benches[5].median(), floor);
  printRow("DeferredList of 100, per input (incl. its succeed())", benches[7].median() / 100.0,
           floor);

  std::printf("\nheap allocations\n");
  std::printf("  Deferred<int> d;                                   %zu\n",
              allocationsOf([] { torsion::Deferred<int> d; }));
  std::printf("  succeed(1) + 10 callbacks (fired: run at once)     %zu\n", allocationsOf([] {
                torsion::Deferred<int> d = torsion::succeed(1);
                for (int i = 0; i < 10; ++i) {
                  d.addCallback([](int x) { return x + 1; });
                }
              }));
  std::printf("  unfired + 10 callbacks, then callback()            %zu\n", allocationsOf([] {
                torsion::Deferred<int> d;
                for (int i = 0; i < 10; ++i) {
                  d.addCallback([](int x) { return x + 1; });
                }
                d.callback(1);
              }));
  std::printf("  unfired + 1 callback capturing 64 bytes            %zu\n", allocationsOf([] {
                torsion::Deferred<int> d;
                struct Big {
                  char bytes[64] = {};
                } big;
                d.addCallback([big](int x) { return x + big.bytes[0]; });
                d.callback(1);
              }));
  std::printf(
      "  coroutine awaiting an unfired Deferred             %zu\n", allocationsOf([] {
        torsion::Deferred<long> input;
        torsion::Deferred<long> output = [](torsion::Deferred<long> in) -> torsion::Deferred<long> {
          co_return co_await std::move(in);
        }(input);
        input.callback(1);
      }));
  std::printf("  DeferredList of 100 fired Deferreds                %zu\n", allocationsOf([] {
                std::vector<torsion::Deferred<int>> inputs;
                inputs.reserve(100);
                for (int k = 0; k < 100; ++k) {
                  inputs.push_back(torsion::succeed(k));
                }
                torsion::DeferredList<int> list(std::move(inputs));
              }));
  return 0;
}
