#pragma once

#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <thread>
#include <type_traits>
#include <utility>

#include <torsion/deferred/deferred.hpp>
#include <torsion/deferred/failure.hpp>
#include <torsion/deferred/outcome.hpp>
#include <torsion/deferred/source_location.hpp>
#include <torsion/reactor/ireactor_threads.hpp>

namespace torsion {

namespace detail {

/// One deferToThread call. It crosses threads as a whole (by unique_ptr), and each side touches
/// only its own fields: the worker runs `fn_` and writes `outcome_`; only the reactor thread
/// touches `result_` (a Deferred's reference count is not atomic). The queues of callInThread and
/// callFromThread, which lock a mutex, order the two sides.
template <class T, class Fn>
class ThreadCall {
 public:
  ThreadCall(Fn fn, Deferred<T> result) : fn_(std::move(fn)), result_(std::move(result)) {}

  /// Worker thread: calls the function, keeps its result or exception, destroys the function.
  void run() noexcept {
    try {
      if constexpr (std::is_void_v<T>) {
        std::invoke(*fn_);
        outcome_.emplace(Outcome<void>::success());
      } else {
        outcome_.emplace(std::invoke(*fn_));
      }
    } catch (...) {
      outcome_.emplace(Failure(std::current_exception()));
    }
    fn_.reset();  // the function's captures die on the worker, with its work
  }

  /// Reactor thread: fires the Deferred (unless it was cancelled meanwhile; Twisted has no
  /// canceller here either, so the result is then dropped).
  void deliver() {
    if (result_.called()) {
      return;
    }
    if (outcome_->failed()) {
      result_.errback(outcome_->failure());
    } else if constexpr (std::is_void_v<T>) {
      result_.callback();
    } else {
      result_.callback(std::move(*outcome_).value());
    }
  }

 private:
  std::optional<Fn> fn_;
  std::optional<Outcome<T>> outcome_;
  Deferred<T> result_;
};

/// What callFromThread carries back to the reactor thread. It is made on the worker and must not
/// die there still holding the call (that would release the Deferred off the reactor thread);
/// the only way that can happen is callFromThread itself throwing (out of memory), and then the
/// call is leaked rather than raced. Dropped without running (the reactor was destroyed with
/// calls still queued) it frees the call on the thread that destroys the reactor, after the pool
/// was joined.
template <class Call>
class ThreadCallDelivery {
 public:
  explicit ThreadCallDelivery(std::unique_ptr<Call> call) noexcept
      : call_(std::move(call)), worker_(std::this_thread::get_id()) {}

  ThreadCallDelivery(ThreadCallDelivery&&) noexcept = default;
  ThreadCallDelivery& operator=(ThreadCallDelivery&&) noexcept = default;
  ThreadCallDelivery(const ThreadCallDelivery&) = delete;
  ThreadCallDelivery& operator=(const ThreadCallDelivery&) = delete;

  ~ThreadCallDelivery() {
    if (call_ != nullptr && std::this_thread::get_id() == worker_) {
      (void)call_.release();  // see the class comment: a leak, not a data race
    }
  }

  void operator()() {
    std::unique_ptr<Call> call = std::move(call_);
    call->deliver();
  }

 private:
  std::unique_ptr<Call> call_;
  std::thread::id worker_;
};

}  // namespace detail

/// Runs `fn()` on the reactor's thread pool and returns a Deferred that fires on the reactor
/// thread with its result, or fails with the exception it threw (Twisted's
/// `threads.deferToThread`).
///
/// `fn` must not return a Deferred (Deferreds belong to the reactor thread); to continue on the
/// reactor thread, add callbacks to the returned Deferred. The Deferred has no canceller, as in
/// Twisted: `cancel()` fails it with CancelledError at once, the work still runs, and its result
/// is dropped.
///
/// Ownership: `fn` is moved to a worker thread, called once and destroyed there; it must own
///   what it uses or refer only to what outlives the call. The reactor must outlive the call
///   (it joins its pool when it shuts down or is destroyed). The worker never touches the
///   Deferred: its chain is only referenced, fired and released on the reactor thread.
/// Thread: call on the reactor thread; `fn` runs on a pool thread; the Deferred fires on the
///   reactor thread, on a later turn.
///
/// Example:
///     torsion::Deferred<std::string> digest =
///         torsion::deferToThread(reactor, [data = std::move(data)] { return sha256(data); });
///     digest.addCallback([&conn](std::string hex) { conn.sendLine(hex); });
template <class F>

requires(std::invocable<std::decay_t<F>&>)
    [[nodiscard]] auto deferToThread(IReactorThreads& reactor, F&& fn,
                                     SourceLocation origin = SourceLocation::current()) {
  using Fn = std::decay_t<F>;
  using T = std::invoke_result_t<Fn&>;
  static_assert(!detail::IsDeferred<std::remove_cvref_t<T>>::value,
                "deferToThread: the function runs on another thread and must not return a "
                "Deferred");
  static_assert(!std::is_reference_v<T>, "deferToThread: the function must return a value");
  using Call = detail::ThreadCall<T, Fn>;

  Deferred<T> result(origin);
  auto call = std::make_unique<Call>(Fn(std::forward<F>(fn)), result);
  try {
    reactor.callInThread([&reactor, call = std::move(call)]() mutable {
      call->run();
      reactor.callFromThread(detail::ThreadCallDelivery<Call>(std::move(call)));
    });
  } catch (...) {
    // Nothing was queued (the call died on this thread): fail the Deferred rather than throw, so
    // the caller has one place to look for errors.
    result.errback(Failure(std::current_exception()));
  }
  return result;
}

}  // namespace torsion
