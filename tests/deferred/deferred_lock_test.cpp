#include <stdexcept>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include <torsion/deferred/deferred.hpp>
#include <torsion/deferred/deferred_error.hpp>
#include <torsion/deferred/deferred_lock.hpp>
#include <torsion/deferred/failure.hpp>

using torsion::Deferred;
using torsion::DeferredLock;
using torsion::Failure;

TEST_CASE("DeferredLock hands the lock to waiters in FIFO order", "[deferred][lock]") {
  DeferredLock lock;
  std::vector<int> order;
  Deferred<void> first = lock.acquire();
  CHECK(first.called());
  CHECK(lock.locked());
  Deferred<void> second = lock.acquire();
  Deferred<void> third = lock.acquire();
  second.addCallback([&order] { order.push_back(2); });
  third.addCallback([&order] { order.push_back(3); });
  CHECK(order.empty());
  lock.release();
  CHECK(order == std::vector<int>{2});
  lock.release();
  CHECK(order == std::vector<int>{2, 3});
  lock.release();
  CHECK_FALSE(lock.locked());
}

TEST_CASE("Releasing an unlocked DeferredLock throws", "[deferred][lock]") {
  DeferredLock lock;
  CHECK_THROWS_AS(lock.release(), torsion::Error);
}

TEST_CASE("Cancelling a waiting acquire removes it from the queue", "[deferred][lock]") {
  DeferredLock lock;
  Deferred<void> held = lock.acquire();
  Deferred<void> waiting = lock.acquire();
  Deferred<void> next = lock.acquire();
  std::string type;
  waiting.addErrback([&type](Failure f) { type = f.typeName(); });
  waiting.cancel();
  CHECK(type == "torsion::CancelledError");
  CHECK(lock.waiting() == 1);
  lock.release();
  CHECK(next.called());
  lock.release();
}

TEST_CASE("DeferredLock::run releases after the function's Deferred fires", "[deferred][lock]") {
  DeferredLock lock;
  Deferred<int> work;
  Deferred<int> result = lock.run([work] { return work; });
  CHECK(lock.locked());
  Deferred<int> queued = lock.run([] { return 5; });
  CHECK_FALSE(queued.called());
  work.callback(1);
  CHECK(queued.called());
  CHECK_FALSE(lock.locked());
  int a = 0;
  int b = 0;
  result.addCallback([&a](int x) {
    a = x;
    return x;
  });
  queued.addCallback([&b](int x) {
    b = x;
    return x;
  });
  CHECK(a == 1);
  CHECK(b == 5);
}

TEST_CASE("DeferredLock::run releases when the function throws", "[deferred][lock]") {
  DeferredLock lock;
  Deferred<void> result = lock.run([] { throw std::runtime_error("work failed"); });
  CHECK_FALSE(lock.locked());
  std::string what;
  result.addErrback([&what](Failure f) { what = f.what(); });
  CHECK(what == "work failed");
}
