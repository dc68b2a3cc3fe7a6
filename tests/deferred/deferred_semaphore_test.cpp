#include <stdexcept>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include <torsion/deferred/deferred.hpp>
#include <torsion/deferred/deferred_error.hpp>
#include <torsion/deferred/deferred_semaphore.hpp>
#include <torsion/deferred/failure.hpp>

using torsion::Deferred;
using torsion::DeferredSemaphore;
using torsion::Failure;

TEST_CASE("DeferredSemaphore lets `tokens` holders in at once and queues the rest",
          "[deferred][semaphore]") {
  DeferredSemaphore sem(2);
  Deferred<void> a = sem.acquire();
  Deferred<void> b = sem.acquire();
  Deferred<void> c = sem.acquire();
  CHECK(a.called());
  CHECK(b.called());
  CHECK_FALSE(c.called());
  CHECK(sem.tokens() == 0);
  CHECK(sem.waiting() == 1);
  sem.release();
  CHECK(c.called());
  sem.release();
  sem.release();
  CHECK(sem.tokens() == 2);
  CHECK(sem.limit() == 2);
}

TEST_CASE("DeferredSemaphore refuses zero tokens and too many releases", "[deferred][semaphore]") {
  CHECK_THROWS_AS(DeferredSemaphore(0), torsion::ValueError);
  DeferredSemaphore sem(1);
  CHECK_THROWS_AS(sem.release(), torsion::Error);
}

TEST_CASE("Cancelling a waiting semaphore acquire removes it", "[deferred][semaphore]") {
  DeferredSemaphore sem(1);
  Deferred<void> held = sem.acquire();
  Deferred<void> waiting = sem.acquire();
  waiting.addErrback([](Failure f) { f.trap<torsion::CancelledError>(); });
  waiting.cancel();
  CHECK(sem.waiting() == 0);
  sem.release();
  CHECK(sem.tokens() == 1);
}

TEST_CASE("DeferredSemaphore::run limits concurrency", "[deferred][semaphore]") {
  DeferredSemaphore sem(2);
  std::vector<Deferred<int>> work(4);
  std::vector<Deferred<int>> results;
  int running = 0;
  int maxRunning = 0;
  for (auto& w : work) {
    results.push_back(sem.run([w, &running, &maxRunning]() mutable {
      ++running;
      maxRunning = std::max(maxRunning, running);
      return w.addCallback([&running](int x) {
        --running;
        return x;
      });
    }));
  }
  CHECK(running == 2);
  for (std::size_t i = 0; i < work.size(); ++i) {
    work[i].callback(static_cast<int>(i));
  }
  CHECK(maxRunning == 2);
  CHECK(running == 0);
  CHECK(sem.tokens() == 2);
  for (auto& r : results) {
    CHECK(r.called());
  }
}

TEST_CASE("A DeferredSemaphore hands tokens to many queued waiters without recursion",
          "[deferred][semaphore]") {
  DeferredSemaphore sem(1);
  Deferred<void> first = sem.acquire();
  std::size_t ran = 0;
  std::vector<Deferred<void>> waiters;
  for (int i = 0; i < 50'000; ++i) {
    waiters.push_back(sem.acquire());
    waiters.back().addCallback([&sem, &ran] {
      ++ran;
      sem.release();
    });
  }
  sem.release();
  CHECK(ran == 50'000);
  CHECK(sem.tokens() == 1);
}
