#pragma once

#include <cstddef>
#include <deque>
#include <type_traits>
#include <utility>

#include <torsion/deferred/deferred.hpp>
#include <torsion/deferred/outcome.hpp>
#include <torsion/deferred/source_location.hpp>

namespace torsion {

/// A counting semaphore for code that waits with Deferreds (Twisted's `DeferredSemaphore`):
/// at most `tokens` holders at once, waiters served in FIFO order.
///
/// Example:
///     torsion::DeferredSemaphore sem(4);  // at most four downloads in flight
///     for (auto& url : urls) { ds.push_back(sem.run([url] { return download(url); })); }
///
/// Ownership: the semaphore must outlive every acquire() and run() in progress.
/// Thread: not thread-safe.
/// Re-entrancy: as DeferredLock; hand-overs from inside a waiter's callback are iterative.
class DeferredSemaphore {
 public:
  /// @throws ValueError if `tokens` is 0.
  explicit DeferredSemaphore(std::size_t tokens);

  DeferredSemaphore(const DeferredSemaphore&) = delete;
  DeferredSemaphore& operator=(const DeferredSemaphore&) = delete;
  DeferredSemaphore(DeferredSemaphore&&) = delete;
  DeferredSemaphore& operator=(DeferredSemaphore&&) = delete;
  ~DeferredSemaphore();

  /// A Deferred that fires when the caller holds a token: at once if one is free.
  [[nodiscard]] Deferred<void> acquire(SourceLocation origin = SourceLocation::current());

  /// Returns a token, handing it to the first waiter.
  /// @throws Error if every token is already free (released too many times).
  void release();

  /// Tokens free right now.
  [[nodiscard]] std::size_t tokens() const noexcept { return tokens_; }

  /// The number of tokens the semaphore was made with.
  [[nodiscard]] std::size_t limit() const noexcept { return limit_; }

  /// How many acquires are waiting.
  [[nodiscard]] std::size_t waiting() const noexcept { return waiting_.size(); }

  /// Acquires, calls `fn()`, and releases once its result is in, as DeferredLock::run.
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

  std::size_t tokens_;
  std::size_t limit_;
  bool dispatching_ = false;
  std::deque<Deferred<void>> waiting_;
};

}  // namespace torsion
