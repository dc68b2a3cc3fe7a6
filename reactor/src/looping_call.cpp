#include <cmath>
#include <utility>

#include <fmt/format.h>

#include <torsion/reactor/looping_call.hpp>

namespace torsion {

namespace detail {

/// What a callback on the function's Deferred holds instead of `this`: the LoopingCall cannot
/// take that callback back, so it clears `owner` when it dies and the callback then does nothing.
struct LoopingCallLink {
  LoopingCall* owner;
};

}  // namespace detail

LoopingCall::LoopingCall(IReactorTime& clock, bool withCount, detail::LoopFunction fn)
    : clock_(clock),
      fn_(std::move(fn)),
      withCount_(withCount),
      link_(std::make_shared<detail::LoopingCallLink>(detail::LoopingCallLink{this})) {}

// Nothing here throws: cancel() and callback() are guarded by active() and called().
LoopingCall::~LoopingCall() {  // NOLINT(bugprone-exception-escape)
  link_->owner = nullptr;
  if (call_.active()) {
    call_.cancel();
  }
  running_ = false;
  if (started_) {
    // Destruction is an implicit stop(). Firing with success keeps the common case (a member
    // LoopingCall whose start Deferred nobody watches) quiet; an errback would be logged as
    // unhandled on every teardown.
    Deferred<void> done = std::move(*started_);
    started_.reset();
    if (!done.called()) {
      done.callback();
    }
  }
}

Deferred<void> LoopingCall::start(Seconds interval, bool now) {
  if (started_) {
    throw LoopingCallAlreadyRunning(
        running_ ? "LoopingCall::start: the loop is already running"
                 : "LoopingCall::start: the loop was stopped but still waits for the Deferred "
                   "its function returned");
  }
  if (std::isnan(interval.count()) || interval.count() < 0) {
    throw ValueError(
        fmt::format("LoopingCall::start: interval {}s must be >= 0", interval.count()));
  }
  running_ = true;
  started_.emplace();
  Deferred<void> result = *started_;
  startTime_ = clock_.seconds();
  interval_ = interval;
  runAtStart_ = now;
  realLastTime_.reset();
  if (now) {
    runCall();
  } else {
    scheduleFrom(startTime_);
  }
  // `result` is a local handle: the first call may already have ended the loop, and a callback
  // on the start Deferred may have destroyed this object.
  return result;
}

void LoopingCall::stop() {
  if (!running_) {
    throw LoopingCallNotRunning("LoopingCall::stop: the loop is not running");
  }
  running_ = false;
  if (call_.active()) {
    call_.cancel();
    call_ = DelayedCall{};
    finish(std::nullopt);
  }
  // Otherwise the function is running or its Deferred is pending: callFinished fires the start
  // Deferred when it settles.
}

void LoopingCall::reset() {
  if (!running_) {
    throw LoopingCallNotRunning("LoopingCall::reset: the loop is not running");
  }
  if (call_.active()) {
    call_.cancel();
    call_ = DelayedCall{};
    startTime_ = clock_.seconds();
    scheduleFrom(startTime_);
  }
}

void LoopingCall::runCall() {
  call_ = DelayedCall{};
  std::size_t count = 1;
  if (withCount_) {
    count = elapsedIntervals();
    if (count == 0) {
      // Woken before the next grid point (floating-point rounding): no whole interval passed.
      scheduleFrom(clock_.seconds());
      return;
    }
  }
  Deferred<void> result = maybeDeferred([this, count] { return fn_(count); });
  // The function may have stopped the loop; the callback below sorts that out. It may run right
  // here (the Deferred already fired) or much later, possibly after this object died.
  (void)result.addBoth([link = link_](Outcome<void> outcome) -> Outcome<void> {
    if (link->owner == nullptr) {
      return outcome;  // the LoopingCall is gone: leave the result to the Deferred's owner
    }
    link->owner->callFinished(outcome);
    return Outcome<void>::success();
  });
}

void LoopingCall::callFinished(const Outcome<void>& outcome) {
  if (outcome.failed()) {
    running_ = false;
    finish(outcome.failure());
    return;
  }
  if (running_) {
    scheduleFrom(clock_.seconds());
  } else {
    finish(std::nullopt);
  }
}

void LoopingCall::finish(const std::optional<Failure>& failure) {
  // Move the Deferred out first: its callbacks may destroy this object or start it again.
  Deferred<void> done = std::move(*started_);
  started_.reset();
  if (done.called()) {
    return;  // the owner cancelled (or fired) the start Deferred already
  }
  if (failure) {
    done.errback(*failure);
  } else {
    done.callback();
  }
}

void LoopingCall::scheduleFrom(double when) {
  double delay = 0;
  const double interval = interval_.count();
  if (interval > 0) {
    // The next point of the grid start + k·interval strictly after `when`: late calls skip the
    // grid points they missed instead of running them in a burst.
    const double runningFor = when - startTime_;
    delay = interval - std::fmod(runningFor, interval);
    // If the remainder is lost in rounding (when + delay == when), the grid point is now; take
    // the next one, as Twisted does.
    if (when == when + delay) {
      delay = interval;
    }
  }
  call_ = clock_.callLater(Seconds{delay}, [this] { runCall(); });
}

long long LoopingCall::intervalOf(double t) const {
  return static_cast<long long>((t - startTime_) / interval_.count());
}

std::size_t LoopingCall::elapsedIntervals() {
  const double now = clock_.seconds();
  if (interval_.count() == 0) {
    realLastTime_ = now;
    return 1;
  }
  double lastTime = startTime_;
  if (realLastTime_) {
    lastTime = *realLastTime_;
  } else if (runAtStart_) {
    lastTime -= interval_.count();  // the call at start counts the interval that "ended" there
  }
  const long long count = intervalOf(now) - intervalOf(lastTime);
  if (count <= 0) {
    return 0;
  }
  realLastTime_ = now;
  return static_cast<std::size_t>(count);
}

}  // namespace torsion
