#include "poll_poller.hpp"

#include <cerrno>

#include <torsion/reactor/unique_fd.hpp>

#include "../throw_errno.hpp"

namespace torsion::detail {

namespace {

short pollEvents(unsigned interest) {
  short events = 0;
  if ((interest & kInterestRead) != 0U) {
    events = static_cast<short>(events | POLLIN);
  }
  if ((interest & kInterestWrite) != 0U) {
    events = static_cast<short>(events | POLLOUT);
  }
  return events;
}

}  // namespace

void PollPoller::update(int fd, unsigned before, unsigned after) {
  const auto at = static_cast<std::size_t>(fd);
  if (at >= indexOf_.size()) {
    indexOf_.resize(at + 1, kAbsent);
  }
  (void)before;
  if (after == kInterestNone) {
    const int index = indexOf_[at];
    if (index == kAbsent) {
      return;
    }
    // Swap-remove keeps the array dense.
    const pollfd last = fds_.back();
    fds_[static_cast<std::size_t>(index)] = last;
    indexOf_[static_cast<std::size_t>(last.fd)] = index;
    fds_.pop_back();
    indexOf_[at] = kAbsent;
    return;
  }
  if (indexOf_[at] == kAbsent) {
    indexOf_[at] = static_cast<int>(fds_.size());
    fds_.push_back(pollfd{fd, pollEvents(after), 0});
  } else {
    fds_[static_cast<std::size_t>(indexOf_[at])].events = pollEvents(after);
  }
}

void PollPoller::poll(std::optional<double> timeout, std::vector<ReadyEvent>& ready) {
  const int n = ::poll(fds_.data(), fds_.size(), timeoutMilliseconds(timeout));
  if (n < 0) {
    if (errno == EINTR) {
      return;
    }
    throwErrno("poll");
  }
  int left = n;
  for (const pollfd& p : fds_) {
    if (left == 0) {
      break;
    }
    if (p.revents == 0) {
      continue;
    }
    --left;
    const bool trouble = (p.revents & (POLLERR | POLLHUP | POLLNVAL)) != 0;
    ready.push_back(ReadyEvent{p.fd, trouble || (p.revents & POLLIN) != 0,
                               trouble || (p.revents & POLLOUT) != 0});
  }
}

}  // namespace torsion::detail
