#include <cmath>
#include <utility>

#include <torsion/reactor/delayed_call.hpp>
#include <torsion/reactor/errors.hpp>

#include "timer_queue.hpp"

namespace torsion {

DelayedCall::DelayedCall(detail::TimerQueue* queue, std::uint32_t slot) noexcept
    : queue_(queue), slot_(slot) {
  queue_->acquire(slot_);
}

DelayedCall::DelayedCall(const DelayedCall& other) noexcept
    : queue_(other.queue_), slot_(other.slot_) {
  if (queue_ != nullptr) {
    queue_->acquire(slot_);
  }
}

DelayedCall& DelayedCall::operator=(const DelayedCall& other) noexcept {
  DelayedCall copy(other);
  std::swap(queue_, copy.queue_);
  std::swap(slot_, copy.slot_);
  return *this;
}

DelayedCall::DelayedCall(DelayedCall&& other) noexcept
    : queue_(std::exchange(other.queue_, nullptr)), slot_(other.slot_) {}

DelayedCall& DelayedCall::operator=(DelayedCall&& other) noexcept {
  DelayedCall moved(std::move(other));
  std::swap(queue_, moved.queue_);
  std::swap(slot_, moved.slot_);
  return *this;
}

DelayedCall::~DelayedCall() {
  if (queue_ != nullptr) {
    queue_->release(slot_);
  }
}

void DelayedCall::cancel() {
  if (queue_ == nullptr) {
    throw AlreadyCancelled("cancel() on an empty DelayedCall handle");
  }
  queue_->cancel(slot_);
}

void DelayedCall::reset(Seconds newDelay) {
  detail::checkDelay(newDelay, "DelayedCall::reset");
  if (queue_ == nullptr) {
    throw AlreadyCancelled("reset() on an empty DelayedCall handle");
  }
  queue_->resetFromNow(slot_, newDelay.count());
}

void DelayedCall::delay(Seconds extra) {
  if (std::isnan(extra.count())) {
    throw ValueError("DelayedCall::delay: delay is NaN");
  }
  if (queue_ == nullptr) {
    throw AlreadyCancelled("delay() on an empty DelayedCall handle");
  }
  queue_->delayBy(slot_, extra.count());
}

bool DelayedCall::active() const noexcept {
  return queue_ != nullptr && queue_->active(slot_);
}

bool DelayedCall::called() const noexcept {
  return queue_ != nullptr && queue_->called(slot_);
}

bool DelayedCall::cancelled() const noexcept {
  return queue_ != nullptr && queue_->cancelled(slot_);
}

double DelayedCall::getTime() const noexcept {
  return queue_ != nullptr ? queue_->deadline(slot_) : 0.0;
}

}  // namespace torsion
