// Heap allocations per Deferred (issue #5: at most one per Deferred plus at most one per
// non-trivial callback). This file is its own test executable because it replaces the global
// operator new to count allocations; nothing else in it may depend on the allocator.

#include <cstddef>
#include <cstdlib>
#include <new>

#include <catch2/catch.hpp>

#include <torsion/deferred/deferred.hpp>

namespace {

// Allocations made through the replaced global operator new since the program started.
// NOLINTNEXTLINE(cppcoreguidelines-avoid-non-const-global-variables): the counting hook
std::size_t allocationCount = 0;

// The number of allocations `fn()` makes. Assertions go outside it: Catch2 allocates too.
template <class Fn>
std::size_t allocationsOf(Fn fn) {
  const std::size_t before = allocationCount;
  fn();
  return allocationCount - before;
}

void* countedMalloc(std::size_t size) noexcept {
  ++allocationCount;
  return std::malloc(size == 0 ? 1 : size);  // NOLINT(*-no-malloc, *-owning-memory)
}

// A callback capture too big for a core's inline node slot.
struct Big {
  char bytes[64] = {};
};

}  // namespace

// Every non-aligned form is replaced, so that ASan sees one consistent malloc/free family
// (its own `new[]` or nothrow `new` paired with the free() below would be a mismatch).
void* operator new(std::size_t size) {
  if (void* p = countedMalloc(size)) {
    return p;
  }
  throw std::bad_alloc();
}

void* operator new[](std::size_t size) {
  if (void* p = countedMalloc(size)) {
    return p;
  }
  throw std::bad_alloc();
}

void* operator new(std::size_t size, const std::nothrow_t& /*tag*/) noexcept {
  return countedMalloc(size);
}

void* operator new[](std::size_t size, const std::nothrow_t& /*tag*/) noexcept {
  return countedMalloc(size);
}

// GCC pairs the inlined replacement new with these deletes and wrongly reports free() on memory
// "from new"; both sides are malloc/free here, so the warning is a false positive.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

void operator delete(void* p) noexcept {
  std::free(p);  // NOLINT(*-no-malloc, *-owning-memory)
}

void operator delete[](void* p) noexcept {
  std::free(p);  // NOLINT(*-no-malloc, *-owning-memory)
}

void operator delete(void* p, std::size_t /*size*/) noexcept {
  std::free(p);  // NOLINT(*-no-malloc, *-owning-memory)
}

void operator delete[](void* p, std::size_t /*size*/) noexcept {
  std::free(p);  // NOLINT(*-no-malloc, *-owning-memory)
}

void operator delete(void* p, const std::nothrow_t& /*tag*/) noexcept {
  std::free(p);  // NOLINT(*-no-malloc, *-owning-memory)
}

void operator delete[](void* p, const std::nothrow_t& /*tag*/) noexcept {
  std::free(p);  // NOLINT(*-no-malloc, *-owning-memory)
}

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

using torsion::Deferred;

TEST_CASE("A new Deferred costs one allocation", "[deferred][allocation]") {
  CHECK(allocationsOf([] { Deferred<int> d; }) == 1);
  CHECK(allocationsOf([] { Deferred<void> d; }) == 1);
}

TEST_CASE("Ten small callbacks queued on an unfired Deferred cost no allocation",
          "[deferred][allocation]") {
  int result = 0;
  const std::size_t captureLess = allocationsOf([] {
    Deferred<int> d;
    for (int i = 0; i < 10; ++i) {
      d.addCallback([](int x) { return x + 1; });
    }
    d.callback(0);
  });
  CHECK(captureLess == 1);
  // Two pointers of capture still fit a node slot.
  const std::size_t twoPointers = allocationsOf([&result] {
    int step = 1;
    Deferred<int> d;
    for (int i = 0; i < 10; ++i) {
      d.addCallback([&result, &step](int x) {
        result = x + step;
        return result;
      });
    }
    d.callback(0);
  });
  CHECK(twoPointers == 1);
  CHECK(result == 10);
}

TEST_CASE("Callbacks on a fired Deferred run at once and cost no allocation",
          "[deferred][allocation]") {
  CHECK(allocationsOf([] {
          Deferred<int> d = torsion::succeed(1);
          for (int i = 0; i < 10; ++i) {
            d.addCallback([](int x) { return x + 1; });
          }
        }) == 1);
}

TEST_CASE("A callback with a large capture costs one allocation of its own",
          "[deferred][allocation]") {
  CHECK(allocationsOf([] {
          Deferred<int> d;
          Big big;
          d.addCallback([big](int x) { return x + big.bytes[0]; });
          d.callback(1);
        }) == 2);
}

TEST_CASE("Queued steps beyond the inline slots cost one allocation each",
          "[deferred][allocation]") {
  CHECK(allocationsOf([] {
          Deferred<int> d;
          for (int i = 0; i < 12; ++i) {
            d.addCallback([](int x) { return x + 1; });
          }
          d.callback(0);
        }) == 3);
}

TEST_CASE("Node slots are reused once their steps have run", "[deferred][allocation]") {
  CHECK(allocationsOf([] {
          Deferred<int> d;
          d.pause();
          d.callback(0);
          for (int round = 0; round < 5; ++round) {
            for (int i = 0; i < 10; ++i) {
              d.addCallback([](int x) { return x + 1; });  // queued: the chain is paused
            }
            d.unpause();  // runs all ten and frees their slots
            d.pause();
          }
          d.unpause();
        }) == 1);
}

TEST_CASE("Waiting on a returned Deferred costs only the two Deferreds", "[deferred][allocation]") {
  CHECK(allocationsOf([] {
          Deferred<int> inner;
          Deferred<int> outer = torsion::succeed(0);
          outer.addCallback([inner](int) { return inner; });  // its continuation fits a slot
          inner.callback(1);
        }) == 2);
}

namespace {

Deferred<long> awaitOnce(Deferred<long> in) {
  co_return co_await std::move(in);
}

Deferred<long> awaitFresh() {
  co_return co_await Deferred<long>();  // held only by this coroutine's Deferred, for cancel()
}

}  // namespace

TEST_CASE("A coroutine suspended on an unfired Deferred costs its frame and its Deferred",
          "[deferred][allocation]") {
  CHECK(allocationsOf([] {
          Deferred<long> input;
          Deferred<long> output = awaitOnce(input);  // the frame, its Deferred; the node is inline
          input.callback(1);
        }) == 3);
}

TEST_CASE("A coroutine holding a Deferred nobody else holds costs nothing more",
          "[deferred][allocation]") {
  CHECK(allocationsOf([] {
          Deferred<long> output = awaitFresh();  // the awaited Deferred, the frame, its Deferred
        }) == 3);
}
