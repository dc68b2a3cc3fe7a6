#pragma once

#include <chrono>
#include <string>

#include <torsion/deferred/error.hpp>

namespace torsion {

/// `callback` or `errback` was called on a Deferred that already has a result (Twisted's
/// `AlreadyCalledError`). Thrown synchronously to the caller that fired twice.
class AlreadyCalledError : public Error {
 public:
  AlreadyCalledError();
  using Error::Error;
};

/// The failure a Deferred carries after `cancel()` when its canceller did not fire it (Twisted's
/// `CancelledError`). Also thrown at a coroutine's `co_await` when the awaited Deferred was
/// cancelled.
class CancelledError : public Error {
 public:
  CancelledError();
  using Error::Error;
};

/// The failure `addTimeout` turns a cancellation into when the deadline passed (Twisted's
/// `defer.TimeoutError`).
class TimeoutError : public Error {
 public:
  /// "Deferred timed out after <timeout> seconds".
  explicit TimeoutError(std::chrono::duration<double> timeout);

  /// The timeout that expired.
  [[nodiscard]] std::chrono::duration<double> timeout() const noexcept { return timeout_; }

 private:
  std::chrono::duration<double> timeout_;
};

/// A `Deferred<T>` handle was used to add callbacks (or to fire) after a callback changed the
/// chain's result type, so that `T` no longer describes the chain; use the handle that
/// `addCallback` returned instead. Python would raise a TypeError in the callback; torsion
/// reports it where the mistake is made.
class StaleDeferredError : public Error {
 public:
  using Error::Error;
};

}  // namespace torsion
