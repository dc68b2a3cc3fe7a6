#include <atomic>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include <torsion/deferred/error.hpp>
#include <torsion/reactor/reactor_core.hpp>

#include "reactor_test_support.hpp"

using namespace std::chrono_literals;
using torsion::ReactorCore;

TEST_CASE("callFromThread wakes a sleeping loop and runs calls in FIFO order per thread",
          "[reactor][threads]") {
  ReactorCore reactor(torsion::test::quietOptions(torsion::test::anyBackend()));
  constexpr int kThreads = 4;
  constexpr int kCalls = 500;
  std::map<int, std::vector<int>> seen;  // touched only on the reactor thread
  int total = 0;
  std::vector<std::thread> threads;
  const auto reactorThread = std::this_thread::get_id();
  bool allOnReactorThread = true;
  reactor.callWhenRunning([&] {
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < kCalls; ++i) {
          reactor.callFromThread([&, t, i] {
            allOnReactorThread = allOnReactorThread && std::this_thread::get_id() == reactorThread;
            seen[t].push_back(i);
            if (++total == kThreads * kCalls) {
              reactor.stop();
            }
          });
        }
      });
    }
  });
  // No timer is pending but the guard, so only the waker can wake the loop in time.
  torsion::test::runBounded(reactor, 30s);
  for (std::thread& t : threads) {
    t.join();
  }
  REQUIRE(allOnReactorThread);
  REQUIRE(total == kThreads * kCalls);
  for (auto& [thread, order] : seen) {
    REQUIRE(order.size() == static_cast<std::size_t>(kCalls));
    for (int i = 0; i < kCalls; ++i) {
      REQUIRE(order[static_cast<std::size_t>(i)] == i);
    }
  }
}

TEST_CASE("callFromThread from the reactor thread runs on a later turn", "[reactor][threads]") {
  ReactorCore reactor(torsion::test::quietOptions(torsion::test::anyBackend()));
  std::vector<int> log;
  reactor.callLater(0s, [&] {
    reactor.callFromThread([&] {
      log.push_back(2);
      reactor.stop();
    });
    log.push_back(1);
  });
  torsion::test::runBounded(reactor);
  REQUIRE(log == std::vector<int>{1, 2});
}

TEST_CASE("callInThread runs work off the reactor thread with a bounded pool",
          "[reactor][threads]") {
  torsion::ReactorOptions options = torsion::test::quietOptions(torsion::test::anyBackend());
  options.threadPoolSize = 2;
  ReactorCore reactor(options);
  const auto reactorThread = std::this_thread::get_id();
  std::atomic<int> running{0};
  std::atomic<int> maxRunning{0};
  std::mutex mutex;
  std::vector<std::thread::id> workers;
  int done = 0;
  constexpr int kJobs = 20;
  reactor.callWhenRunning([&] {
    for (int i = 0; i < kJobs; ++i) {
      reactor.callInThread([&] {
        const int now = ++running;
        int seenMax = maxRunning.load();
        while (now > seenMax && !maxRunning.compare_exchange_weak(seenMax, now)) {
        }
        {
          std::lock_guard lock(mutex);
          workers.push_back(std::this_thread::get_id());
        }
        --running;
        reactor.callFromThread([&] {
          if (++done == kJobs) {
            reactor.stop();
          }
        });
      });
    }
  });
  torsion::test::runBounded(reactor, 30s);
  REQUIRE(done == kJobs);
  REQUIRE(maxRunning.load() <= 2);
  for (auto id : workers) {
    REQUIRE(id != reactorThread);
  }
  REQUIRE_THROWS_AS(reactor.suggestThreadPoolSize(0), torsion::ValueError);
}

TEST_CASE("Work queued with callInThread finishes before shutdown completes",
          "[reactor][threads]") {
  ReactorCore reactor(torsion::test::quietOptions(torsion::test::anyBackend()));
  std::atomic<int> finished{0};
  reactor.callWhenRunning([&] {
    for (int i = 0; i < 8; ++i) {
      reactor.callInThread([&finished] {
        std::this_thread::yield();
        ++finished;
      });
    }
    reactor.stop();
  });
  torsion::test::runBounded(reactor);
  REQUIRE(finished.load() == 8);  // the pool was joined during shutdown
}

TEST_CASE("Exceptions from thread calls are logged and the reactor keeps running",
          "[reactor][threads]") {
  torsion::test::CapturedLog log;
  ReactorCore reactor(torsion::test::quietOptions(torsion::test::anyBackend()));
  reactor.callWhenRunning([&] {
    reactor.callInThread([&reactor] {
      reactor.callFromThread([] { throw std::runtime_error("from-thread failure"); });
      reactor.callFromThread([&reactor] { reactor.stop(); });
      throw std::runtime_error("in-thread failure");
    });
  });
  torsion::test::runBounded(reactor);
  REQUIRE(log.contains("from-thread failure"));
  REQUIRE(log.contains("in-thread failure"));
}
