// reactor_tour: the reactor on its own, with no sockets: timers, a repeating call, and work
// handed to a thread and back. The first thing to run after building torsion.
//
// It mirrors the first pages of Twisted's reactor howto (callLater, callInThread,
// callFromThread). Run it:
//   ./build/samples/reactor_tour            # 3 ticks, then stop
//   ./build/samples/reactor_tour --ticks 5
// TORSION_REACTOR=poll (or uv) picks another backend. Ctrl-C stops it cleanly at any time.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <memory>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <torsion/reactor/reactor_core.hpp>

using namespace std::chrono_literals;

namespace {

// A deliberately slow computation that must not run on the reactor thread.
std::uint64_t countPrimesBelow(std::uint64_t limit) {
  std::uint64_t count = 0;
  for (std::uint64_t n = 2; n < limit; ++n) {
    bool prime = true;
    for (std::uint64_t d = 2; d * d <= n; ++d) {
      if (n % d == 0) {
        prime = false;
        break;
      }
    }
    count += prime ? 1 : 0;
  }
  return count;
}

// The tour's state. It lives in main's frame, which outlives the reactor's run, so the calls
// it schedules may capture `this`.
struct Tour {
  torsion::ReactorCore& reactor;
  int ticksLeft;
  bool workerDone = false;
  double start = reactor.seconds();

  // Prints a tick every 200 ms by rescheduling itself.
  void tick() {
    fmt::print("tick at +{:.1f}s ({} to go)\n", reactor.seconds() - start, --ticksLeft);
    if (ticksLeft > 0) {
      reactor.callLater(200ms, [this] { tick(); });
    }
    stopWhenDone();
  }

  // Runs on the reactor thread, handed over by callFromThread.
  void workerFinished(std::uint64_t primes) {
    fmt::print("a worker thread counted {} primes\n", primes);
    workerDone = true;
    stopWhenDone();
  }

  void stopWhenDone() {
    if (ticksLeft == 0 && workerDone) {
      reactor.stop();
    }
  }
};

}  // namespace

namespace {

int run(int argc, char** argv) {
  CLI::App app{"A tour of torsion's reactor: timers and a thread call"};
  int ticks = 3;
  app.add_option("--ticks", ticks, "How many ticks before stopping")->check(CLI::Range(1, 1000));
  CLI11_PARSE(app, argc, argv);

  torsion::ReactorCore reactor;  // TORSION_REACTOR picks the backend; epoll by default
  fmt::print("running on the {} backend\n", torsion::backendName(reactor.backend()));

  // callWhenRunning: runs once the loop has started.
  reactor.callWhenRunning([] { fmt::print("the reactor is running\n"); });

  Tour tour{reactor, ticks};

  // callInThread + callFromThread: heavy work on the pool, the result back on the loop thread.
  reactor.callInThread([&reactor, &tour] {
    const std::uint64_t primes = countPrimesBelow(200'000);
    reactor.callFromThread([&tour, primes] { tour.workerFinished(primes); });
  });

  // callLater: the first tick; each tick schedules the next.
  reactor.callLater(100ms, [&tour] { tour.tick(); });

  // Shutdown triggers run when stop() is called (or on Ctrl-C).
  reactor.addSystemEventTrigger(torsion::EventPhase::kBefore, torsion::SystemEvent::kShutdown,
                                [] { fmt::print("shutting down\n"); });
  reactor.run();
  fmt::print("bye\n");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // Anything not handled in run() (CLI11 set-up, output errors) ends the program with one line.
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "reactor_tour: %s\n", e.what());
    return 1;
  }
}
