#include "waker.hpp"

#include <cstdint>

#include <sys/eventfd.h>
#include <unistd.h>

#include "throw_errno.hpp"

namespace torsion::detail {

Waker::Waker(UniqueFunction<void(UniqueFunction<void()>&)> run)
    : fd_(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)), run_(std::move(run)) {
  if (!fd_.valid()) {
    throwErrno("eventfd");
  }
}

void Waker::push(UniqueFunction<void()> fn) {
  bool mustSignal = false;
  {
    std::lock_guard lock(mutex_);
    queue_.push_back(std::move(fn));
    mustSignal = !signalled_;
    signalled_ = true;
  }
  if (mustSignal) {
    wake();
  }
}

void Waker::wake() noexcept {
  const std::uint64_t one = 1;
  // EAGAIN means the counter is saturated, so the descriptor is readable anyway.
  [[maybe_unused]] const ssize_t n = ::write(fd_.get(), &one, sizeof one);
}

void Waker::doRead() {
  std::uint64_t count = 0;
  [[maybe_unused]] const ssize_t n = ::read(fd_.get(), &count, sizeof count);
  std::deque<UniqueFunction<void()>> batch;
  {
    std::lock_guard lock(mutex_);
    batch.swap(queue_);
    signalled_ = false;
  }
  // Calls pushed while this batch runs land in queue_ and re-signal, so they run next turn.
  for (UniqueFunction<void()>& fn : batch) {
    run_(fn);
  }
}

bool Waker::pending() {
  std::lock_guard lock(mutex_);
  return !queue_.empty();
}

}  // namespace torsion::detail
