#pragma once

#include <cstddef>
#include <deque>
#include <type_traits>
#include <utility>

#include <torsion/deferred/deferred.hpp>
#include <torsion/deferred/outcome.hpp>
#include <torsion/deferred/source_location.hpp>

namespace torsion {

/// A lock for code that waits with Deferreds instead of blocking (Twisted's `DeferredLock`).
///
/// `acquire()` returns a Deferred<void> that fires once the lock is held by the caller; waiters
/// get it in FIFO order. `run(fn)` acquires, calls fn, and releases when fn's result (or the
/// Deferred it returns) is in.
///
/// Example:
///     torsion::DeferredLock lock;
///     auto d = lock.run([&] { return writeRecord(record); });  // one writer at a time
///
/// Ownership: the lock must outlive every acquire() and run() in progress. Destroying it with
///   waiters leaves them unfired (cancelling one then errbacks it with CancelledError).
/// Thread: not thread-safe.
/// Re-entrancy: releasing from inside a waiter's callback hands the lock on iteratively, so a
///   long queue of waiters that each release at once never deepens the stack.
class DeferredLock {
 public:
  DeferredLock() = default;
  DeferredLock(const DeferredLock&) = delete;
  DeferredLock& operator=(const DeferredLock&) = delete;
  DeferredLock(DeferredLock&&) = delete;
  DeferredLock& operator=(DeferredLock&&) = delete;
  ~DeferredLock();

  /// A Deferred that fires when the caller holds the lock: at once if it is free. Cancelling a
  /// waiting acquire removes it from the queue (it errbacks with CancelledError).
  [[nodiscard]] Deferred<void> acquire(SourceLocation origin = SourceLocation::current());

  /// Releases the lock, handing it to the first waiter (whose callbacks run before this returns,
  /// unless this is called from inside such a hand-over).
  /// @throws Error if the lock is not held.
  void release();

  /// True while someone holds the lock.
  [[nodiscard]] bool locked() const noexcept { return locked_; }

  /// How many acquires are waiting.
  [[nodiscard]] std::size_t waiting() const noexcept { return waiting_.size(); }

  /// Acquires, calls `fn()`, and releases once its result is in (after the Deferred it returns
  /// fires, if it returns one). Returns a Deferred of fn's result.
  template <class F>
  [[nodiscard]] auto run(F fn) {
    using U = detail::StepOutputT<std::invoke_result_t<F&>, void>;
    Deferred<U> result = acquire().addCallback([this, fn = std::move(fn)]() mutable -> Deferred<U> {
      return maybeDeferred(std::move(fn)).addBoth([this](Outcome<U> outcome) {
        release();
        return outcome;
      });
    });
    return result;
  }

 private:
  void dispatch();

  bool locked_ = false;
  bool dispatching_ = false;
  std::deque<Deferred<void>> waiting_;
};

}  // namespace torsion
