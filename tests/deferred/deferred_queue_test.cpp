#include <stdexcept>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include <torsion/deferred/deferred.hpp>
#include <torsion/deferred/deferred_error.hpp>
#include <torsion/deferred/deferred_queue.hpp>
#include <torsion/deferred/failure.hpp>

using torsion::Deferred;
using torsion::DeferredQueue;
using torsion::Failure;

TEST_CASE("DeferredQueue gives held items at once and waiting gets later, in order",
          "[deferred][queue]") {
  DeferredQueue<std::string> queue;
  queue.put("a");
  std::vector<std::string> got;
  auto record = [&got](std::string s) {
    got.push_back(s);
    return s;
  };
  queue.get().addCallback(record);
  CHECK(got == std::vector<std::string>{"a"});
  Deferred<std::string> second = queue.get();
  Deferred<std::string> third = queue.get();
  second.addCallback(record);
  third.addCallback(record);
  CHECK(queue.waiting() == 2);
  queue.put("b");
  queue.put("c");
  CHECK(got == std::vector<std::string>{"a", "b", "c"});
  CHECK(queue.pending() == 0);
}

TEST_CASE("DeferredQueue throws QueueOverflow past its size", "[deferred][queue]") {
  DeferredQueue<int> queue(2);
  queue.put(1);
  queue.put(2);
  CHECK_THROWS_AS(queue.put(3), torsion::QueueOverflow);
  CHECK(queue.pending() == 2);
}

TEST_CASE("DeferredQueue throws QueueUnderflow past its backlog", "[deferred][queue]") {
  DeferredQueue<int> queue(std::nullopt, 1);
  Deferred<int> waiting = queue.get();
  CHECK_THROWS_AS(queue.get(), torsion::QueueUnderflow);
  queue.put(1);
  CHECK(waiting.called());
}

TEST_CASE("A full DeferredQueue still accepts an item a waiting get takes", "[deferred][queue]") {
  DeferredQueue<int> queue(0);
  Deferred<int> waiting = queue.get();
  CHECK_NOTHROW(queue.put(5));
  CHECK(waiting.called());
  CHECK_THROWS_AS(queue.put(6), torsion::QueueOverflow);
}

TEST_CASE("Cancelling a waiting get removes it from the queue", "[deferred][queue]") {
  DeferredQueue<int> queue;
  Deferred<int> cancelled = queue.get();
  Deferred<int> next = queue.get();
  cancelled.addErrback([](Failure f) {
    f.trap<torsion::CancelledError>();
    return 0;
  });
  cancelled.cancel();
  CHECK(queue.waiting() == 1);
  queue.put(9);
  int value = 0;
  next.addCallback([&value](int x) {
    value = x;
    return x;
  });
  CHECK(value == 9);
}

TEST_CASE("A put from inside a get's callback is delivered in order, without recursion",
          "[deferred][queue]") {
  DeferredQueue<int> queue;
  std::vector<int> got;
  std::vector<Deferred<int>> gets;
  for (int i = 0; i < 20'000; ++i) {
    gets.push_back(queue.get());
    gets.back().addCallback([&queue, &got](int x) {
      got.push_back(x);
      if (x < 19'999) {
        queue.put(x + 1);
      }
      return x;
    });
  }
  queue.put(0);
  REQUIRE(got.size() == 20'000);
  CHECK(got.front() == 0);
  CHECK(got.back() == 19'999);
}
