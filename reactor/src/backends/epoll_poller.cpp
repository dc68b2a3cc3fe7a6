#include "epoll_poller.hpp"

#include <cerrno>
#include <cmath>
#include <cstdint>
#include <ctime>

#include <sys/timerfd.h>
#include <unistd.h>

#include "../throw_errno.hpp"

namespace torsion::detail {

namespace {

std::uint32_t epollEvents(unsigned interest) {
  std::uint32_t events = 0;
  if ((interest & kInterestRead) != 0U) {
    events |= EPOLLIN;
  }
  if ((interest & kInterestWrite) != 0U) {
    events |= EPOLLOUT;
  }
  return events;
}

}  // namespace

EpollPoller::EpollPoller() : epoll_(::epoll_create1(EPOLL_CLOEXEC)), events_(256) {
  if (!epoll_.valid()) {
    throwErrno("epoll_create1");
  }
}

void EpollPoller::update(int fd, unsigned before, unsigned after) {
  epoll_event ev{};
  ev.events = epollEvents(after);
  ev.data.fd = fd;
  int op = EPOLL_CTL_MOD;
  if (before == kInterestNone) {
    op = EPOLL_CTL_ADD;
  } else if (after == kInterestNone) {
    op = EPOLL_CTL_DEL;
  }
  if (::epoll_ctl(epoll_.get(), op, fd, &ev) != 0) {
    throwErrno("epoll_ctl");
  }
}

void EpollPoller::poll(std::optional<double> timeout, std::vector<ReadyEvent>& ready) {
  const int n = ::epoll_wait(epoll_.get(), events_.data(), static_cast<int>(events_.size()),
                             timeoutMilliseconds(timeout));
  if (n < 0) {
    if (errno == EINTR) {
      return;
    }
    throwErrno("epoll_wait");
  }
  for (int i = 0; i < n; ++i) {
    const epoll_event& ev = events_[static_cast<std::size_t>(i)];
    if (timer_.valid() && ev.data.fd == timer_.get()) {
      // The timerfd only makes the epoll descriptor readable for a host; the reactor runs due
      // calls after every poll anyway. Drain it so it stops being readable.
      std::uint64_t expirations = 0;
      [[maybe_unused]] const ssize_t got = ::read(timer_.get(), &expirations, sizeof expirations);
      armedFor_.reset();
      continue;
    }
    const bool trouble = (ev.events & (EPOLLERR | EPOLLHUP)) != 0U;
    ready.push_back(ReadyEvent{ev.data.fd, trouble || (ev.events & EPOLLIN) != 0U,
                               trouble || (ev.events & EPOLLOUT) != 0U});
  }
  if (static_cast<std::size_t>(n) == events_.size()) {
    events_.resize(events_.size() * 2);  // a full batch: look at more next time
  }
}

int EpollPoller::embeddingDescriptor() {
  if (!timer_.valid()) {
    timer_.reset(::timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC));
    if (!timer_.valid()) {
      throwErrno("timerfd_create");
    }
    update(timer_.get(), kInterestNone, kInterestRead);
  }
  return epoll_.get();
}

void EpollPoller::setWakeDeadline(std::optional<double> deadline) {
  if (!timer_.valid()) {
    return;
  }
  // Re-arm only when the deadline moves earlier or the timer is idle: a deadline that moves
  // later (an idle timeout reset on every message) costs one early, harmless wake-up instead
  // of a timerfd_settime per message.
  if (deadline && (!armedFor_ || *deadline < *armedFor_)) {
    armTimer(deadline);
  }
}

void EpollPoller::armTimer(std::optional<double> deadline) {
  itimerspec spec{};
  if (deadline) {
    // seconds() and the timerfd share CLOCK_MONOTONIC. A zero it_value would disarm the timer,
    // so a deadline at or before zero is pushed to the smallest representable time.
    double whole = 0;
    const double fraction = std::modf(std::max(*deadline, 1e-9), &whole);
    spec.it_value.tv_sec = static_cast<time_t>(whole);
    spec.it_value.tv_nsec = static_cast<long>(fraction * 1e9);
    if (spec.it_value.tv_sec == 0 && spec.it_value.tv_nsec == 0) {
      spec.it_value.tv_nsec = 1;
    }
  }
  if (::timerfd_settime(timer_.get(), TFD_TIMER_ABSTIME, &spec, nullptr) != 0) {
    throwErrno("timerfd_settime");
  }
  armedFor_ = deadline;
}

}  // namespace torsion::detail
