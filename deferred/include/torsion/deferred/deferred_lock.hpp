#pragma once

#include <cstddef>
#include <utility>

#include <torsion/deferred/deferred.hpp>
#include <torsion/deferred/deferred_semaphore.hpp>
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
///
/// It is a DeferredSemaphore with one token (as Twisted's two share one base class); only the
/// names and the error for a stray release differ.
class DeferredLock {
 public:
  DeferredLock() : tokens_(1) {}

  DeferredLock(const DeferredLock&) = delete;
  DeferredLock& operator=(const DeferredLock&) = delete;
  DeferredLock(DeferredLock&&) = delete;
  DeferredLock& operator=(DeferredLock&&) = delete;
  ~DeferredLock() = default;

  /// A Deferred that fires when the caller holds the lock: at once if it is free. Cancelling a
  /// waiting acquire removes it from the queue (it errbacks with CancelledError).
  [[nodiscard]] Deferred<void> acquire(SourceLocation origin = SourceLocation::current()) {
    return tokens_.acquire(origin);
  }

  /// Releases the lock, handing it to the first waiter (whose callbacks run before this returns,
  /// unless this is called from inside such a hand-over).
  /// @throws Error if the lock is not held.
  void release();

  /// True while someone holds the lock.
  [[nodiscard]] bool locked() const noexcept { return tokens_.tokens() == 0; }

  /// How many acquires are waiting.
  [[nodiscard]] std::size_t waiting() const noexcept { return tokens_.waiting(); }

  /// Acquires, calls `fn()`, and releases once its result is in (after the Deferred it returns
  /// fires, if it returns one). Returns a Deferred of fn's result.
  template <class F>
  [[nodiscard]] auto run(F fn) {
    return tokens_.run(std::move(fn));
  }

 private:
  DeferredSemaphore tokens_;
};

}  // namespace torsion
