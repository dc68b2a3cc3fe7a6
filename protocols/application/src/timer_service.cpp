#include <utility>

#include <torsion/application/timer_service.hpp>
#include <torsion/deferred/error.hpp>
#include <torsion/deferred/failure.hpp>
#include <torsion/deferred/logger.hpp>

namespace torsion {

TimerService::TimerService(IReactorTime& clock, Seconds interval,
                           UniqueFunction<Deferred<void>()> fn)
    : interval_(interval), fn_(std::move(fn)), loop_(clock, [this] { return fn_(); }) {
  if (!(interval.count() >= 0)) {
    throw ValueError("TimerService: the interval must be >= 0 seconds");
  }
  if (!fn_) {
    throw ValueError("TimerService: the function is empty");
  }
}

TimerService::~TimerService() = default;

void TimerService::startService() {
  Service::startService();
  if (loop_.running()) {
    return;
  }
  Deferred<void> finished = loop_.start(interval_, true);
  finished.addErrback([](const Failure& failure) {
    Logger("torsion.application")
        .failure("TimerService: the timed call failed", failure.exception());
  });
  finished_ = std::move(finished);
}

Deferred<void> TimerService::stopService() {
  (void)Service::stopService();
  if (loop_.running()) {
    loop_.stop();
  }
  if (!finished_) {
    return succeed();
  }
  Deferred<void> finished = std::move(*finished_);
  finished_.reset();
  return finished;
}

}  // namespace torsion
