#pragma once

#include <chrono>
#include <cstdint>
#include <functional>

#include <uv.h>

#include <torsion/reactor/reactor_core.hpp>

namespace torsion::test {

/// A libuv loop the test owns, as a host program would, run with the host's own `uv_run`.
///
/// Every wait is bounded by a guard timer on the loop that calls `uv_stop`, so a hang fails the
/// test instead of blocking CI. torsion's handles keep the loop alive while a reactor exists (its
/// `callFromThread` waker is always watched), so `runDefault` returns only when something calls
/// `stop()` or the guard fires.
///
/// Ownership: the test owns it; a reactor built on it (`options()`) must be destroyed before
/// `close()`. Thread: the test's thread only.
class UvHostLoop {
 public:
  UvHostLoop() {
    uv_loop_init(&loop_);
    uv_timer_init(&loop_, &guard_);
    guard_.data = this;
  }

  /// Closes the loop if the test did not (a failed REQUIRE); the result is not checked then.
  ~UvHostLoop() {
    if (!closed_) {
      (void)close();
    }
  }

  UvHostLoop(const UvHostLoop&) = delete;
  UvHostLoop& operator=(const UvHostLoop&) = delete;
  UvHostLoop(UvHostLoop&&) = delete;
  UvHostLoop& operator=(UvHostLoop&&) = delete;

  [[nodiscard]] uv_loop_t* get() noexcept { return &loop_; }

  /// Options for a quiet uv reactor on this loop.
  [[nodiscard]] ReactorOptions options() {
    ReactorOptions options;
    options.backend = ReactorBackend::kUv;
    options.installSignalHandlers = false;
    options.uvLoop = &loop_;
    return options;
  }

  /// The host's `uv_run(loop, UV_RUN_DEFAULT)`, until `stop()` or `limit`; false if the limit
  /// ended it.
  [[nodiscard]] bool runDefault(std::chrono::milliseconds limit = std::chrono::seconds{10}) {
    return bounded(UV_RUN_DEFAULT, limit);
  }

  /// One `uv_run(loop, UV_RUN_ONCE)`: waits for at least one event, at most `limit`; false if the
  /// limit ended the wait.
  [[nodiscard]] bool runOnce(std::chrono::milliseconds limit = std::chrono::seconds{10}) {
    return bounded(UV_RUN_ONCE, limit);
  }

  /// `runOnce` until `done()` holds, at most `maxPasses` times; false if it never held.
  [[nodiscard]] bool runOnceUntil(const std::function<bool()>& done, int maxPasses = 100) {
    for (int pass = 0; pass < maxPasses && !done(); ++pass) {
      if (!runOnce()) {
        return false;
      }
    }
    return done();
  }

  /// Ends the current `runDefault` after the loop's current iteration (`uv_stop`).
  void stop() noexcept { uv_stop(&loop_); }

  /// Closes the guard, runs the loop until every close callback has run (torsion's handles'
  /// too, once the reactor is gone) and returns `uv_loop_close`'s result: 0 when nothing is left.
  [[nodiscard]] int close() {
    closed_ = true;
    uv_close(reinterpret_cast<uv_handle_t*>(&guard_), nullptr);  // NOLINT: libuv's "inheritance"
    uv_run(&loop_, UV_RUN_DEFAULT);
    return uv_loop_close(&loop_);
  }

 private:
  bool bounded(uv_run_mode mode, std::chrono::milliseconds limit) {
    timedOut_ = false;
    uv_timer_start(
        &guard_,
        [](uv_timer_t* t) {
          auto* self = static_cast<UvHostLoop*>(t->data);
          self->timedOut_ = true;
          uv_stop(&self->loop_);
        },
        static_cast<std::uint64_t>(limit.count()), 0);
    uv_run(&loop_, mode);
    uv_timer_stop(&guard_);
    return !timedOut_;
  }

  uv_loop_t loop_{};
  uv_timer_t guard_{};
  bool timedOut_ = false;
  bool closed_ = false;
};

}  // namespace torsion::test
