#include <algorithm>

#include <torsion/reactor/clock.hpp>

#include "timer_queue.hpp"

namespace torsion {

namespace {

void releaseQueue(detail::TimerQueue* queue) {
  detail::TimerQueue::Release{}(queue);
}

}  // namespace

Clock::Clock() : timers_(detail::TimerQueue::create(*this).release(), &releaseQueue) {}

Clock::~Clock() = default;

DelayedCall Clock::callLater(Seconds delay, UniqueFunction<void()> fn) {
  detail::checkDelay(delay, "Clock::callLater");
  return timers_->add(now_ + delay.count(), std::move(fn));
}

std::vector<DelayedCall> Clock::getDelayedCalls() const {
  return timers_->pendingCalls();
}

void Clock::runStep(double stepTime) {
  // Calls scheduled during this step get a sequence at or past `limit`: they wait for the next
  // step, which is what keeps a self-rescheduling zero-delay call from hanging the advance.
  const std::uint64_t limit = timers_->nextSequence();
  double deadline = stepTime;
  while (auto fn = timers_->popDue(stepTime, limit, &deadline)) {
    // A call left over from the previous step (zero delay) is late; time never goes back.
    now_ = std::max(now_, deadline);
    (*fn)();
  }
  now_ = stepTime;
}

void Clock::advance(Seconds amount) {
  detail::checkDelay(amount, "Clock::advance");
  const double target = now_ + amount.count();
  // The first step is at the current instant and runs what is already due (zero-delay calls
  // scheduled before the advance); every later step is at a strictly later instant.
  double stepTime = now_;
  for (;;) {
    runStep(stepTime);
    if (stepTime >= target) {
      return;
    }
    const std::optional<double> next = timers_->nextDeadlineAfter(stepTime);
    stepTime = (next && *next < target) ? *next : target;
  }
}

bool Clock::advanceToNext() {
  const std::optional<double> next = timers_->nextDeadline();
  if (!next) {
    return false;
  }
  advance(Seconds{std::max(0.0, *next - now_)});
  return true;
}

void Clock::pump(std::initializer_list<Seconds> amounts) {
  for (const Seconds amount : amounts) {
    advance(amount);
  }
}

void Clock::pump(const std::vector<Seconds>& amounts) {
  for (const Seconds amount : amounts) {
    advance(amount);
  }
}

}  // namespace torsion
