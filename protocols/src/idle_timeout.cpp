#include <utility>

#include <torsion/protocols/idle_timeout.hpp>

namespace torsion {

IdleTimeout::IdleTimeout(IReactorTime& clock, Protocol& protocol,
                         UniqueFunction<void()> timeoutConnection)
    : clock_(&clock), protocol_(&protocol), timeoutConnection_(std::move(timeoutConnection)) {}

IdleTimeout::~IdleTimeout() {
  cancel();
}

std::optional<Seconds> IdleTimeout::setTimeout(std::optional<Seconds> period) {
  if (!period) {
    const std::optional<Seconds> previous = period_;
    cancel();
    return previous;
  }
  // Schedule (or reschedule) first, so that a bad period throws before anything changes.
  if (call_.active()) {
    call_.reset(*period);
  } else {
    call_ = clock_->callLater(*period, [this] { timedOut(); });
  }
  return std::exchange(period_, period);
}

void IdleTimeout::resetTimeout() {
  if (period_ && call_.active()) {
    call_.reset(*period_);
  }
}

void IdleTimeout::cancel() noexcept {
  period_.reset();
  if (call_.active()) {
    // active() rules out both AlreadyCalled and AlreadyCancelled, so this cannot throw.
    try {
      call_.cancel();
    } catch (...) {
      // Unreachable, see above; a destructor must not throw regardless.
    }
  }
  call_ = {};
}

void IdleTimeout::timedOut() {
  call_ = {};
  if (timeoutConnection_) {
    timeoutConnection_();
  } else if (protocol_->transport() != nullptr) {
    protocol_->transport()->loseConnection();
  }
}

}  // namespace torsion
