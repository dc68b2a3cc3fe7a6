#include <cstddef>
#include <vector>

#include <catch2/catch.hpp>

#include <torsion/deferred/deferred.hpp>
#include <torsion/deferred/deferred_lock.hpp>

using torsion::Deferred;

// Each of these would overflow the default 8 MiB stack (or ASan's larger frames) if any part of
// the chain recursed per element.

TEST_CASE("A chain of a million callbacks runs without overflowing the stack",
          "[deferred][stack]") {
  constexpr int kCallbacks = 1'000'000;
  Deferred<int> d;
  for (int i = 0; i < kCallbacks; ++i) {
    d.addCallback([](int x) { return x + 1; });
  }
  int result = 0;
  d.addCallback([&result](int x) {
    result = x;
    return x;
  });
  d.callback(0);
  CHECK(result == kCallbacks);
}

TEST_CASE("100,000 Deferreds each waiting on the next resolve without overflowing the stack",
          "[deferred][stack]") {
  constexpr std::size_t kDepth = 100'000;
  // chain[i] waits on chain[i + 1]; the last one fires, and every result flows back up.
  std::vector<Deferred<int>> chain;
  chain.reserve(kDepth);
  for (std::size_t i = 0; i < kDepth; ++i) {
    chain.emplace_back();
  }
  // Built from the inside out, so each Deferred has its callbacks before an outer one waits on it.
  for (std::size_t i = kDepth - 1; i-- > 0;) {
    chain[i].addCallback([next = chain[i + 1]](int) { return next; }).addCallback([](int x) {
      return x + 1;
    });
    chain[i].callback(0);
  }
  int result = 0;
  chain[0].addCallback([&result](int x) {
    result = x;
    return x;
  });
  CHECK(chain[0].paused());
  chain[kDepth - 1].callback(0);
  CHECK(result == static_cast<int>(kDepth - 1));
}

TEST_CASE(
    "100,000 Deferreds waiting on each other are freed without recursion when dropped "
    "unfired",
    "[deferred][stack]") {
  constexpr std::size_t kDepth = 100'000;
  Deferred<int> innermost;
  {
    Deferred<int> next = innermost;
    for (std::size_t i = 0; i < kDepth; ++i) {
      Deferred<int> d = torsion::succeed(0);
      d.addCallback([next](int) { return next; });
      next = d;  // only the chain below holds the earlier ones now
    }
  }
  // Dropping the innermost frees the whole tower: each waiter was held only by its continuation.
  // ASan's leak check at exit proves everything went; the stack did not overflow if we get here.
  CHECK(innermost.valid());
  { Deferred<int> last = std::move(innermost); }
  CHECK_FALSE(innermost.valid());  // NOLINT(bugprone-use-after-move)
}

TEST_CASE("A DeferredLock hands itself to 100,000 queued waiters in a row without recursion",
          "[deferred][stack]") {
  constexpr std::size_t kWaiters = 100'000;
  torsion::DeferredLock lock;
  Deferred<void> first = lock.acquire();
  REQUIRE(lock.locked());
  std::size_t ran = 0;
  std::vector<Deferred<void>> waiters;
  waiters.reserve(kWaiters);
  for (std::size_t i = 0; i < kWaiters; ++i) {
    waiters.push_back(lock.acquire());
    waiters.back().addCallback([&lock, &ran] {
      ++ran;
      lock.release();  // each waiter releases at once, handing the lock to the next
    });
  }
  CHECK(lock.waiting() == kWaiters);
  lock.release();
  CHECK(ran == kWaiters);
  CHECK_FALSE(lock.locked());
  CHECK(lock.waiting() == 0);
}
