#include "uv_poller.hpp"

#include <chrono>
#include <cmath>

#include <fmt/format.h>

#include <torsion/reactor/errors.hpp>

namespace torsion::detail {

namespace {

void throwUv(const char* what, int status) {
  throw SystemError(fmt::format("{}: {}", what, uv_strerror(status)));
}

int uvEvents(unsigned interest) {
  int events = 0;
  if ((interest & kInterestRead) != 0U) {
    events |= UV_READABLE;
  }
  if ((interest & kInterestWrite) != 0U) {
    events |= UV_WRITABLE;
  }
  return events;
}

std::uint64_t millisecondsUntil(double deadline) {
  const double now =
      std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
  const double ms = std::ceil((deadline - now) * 1000.0);
  return ms <= 0 ? 0 : static_cast<std::uint64_t>(ms);
}

}  // namespace

// A uv_poll_t that frees itself once libuv is done with it.
struct UvPoller::PollHandle {
  uv_poll_t handle{};
  UvPoller* owner = nullptr;
  int fd = -1;
  int events = 0;  // what the handle watches, to restart it after an error

  void close() {
    uv_close(reinterpret_cast<uv_handle_t*>(&handle),  // NOLINT: libuv's handle "inheritance"
             [](uv_handle_t* h) {
               delete static_cast<PollHandle*>(h->data);  // NOLINT(cppcoreguidelines-owning-memory)
             });
  }
};

// A uv_timer_t that frees itself once libuv is done with it.
struct UvPoller::TimerHandle {
  uv_timer_t handle{};
  UvPoller* owner = nullptr;

  void close() {
    uv_close(
        reinterpret_cast<uv_handle_t*>(&handle),  // NOLINT: libuv's handle "inheritance"
        [](uv_handle_t* h) {
          delete static_cast<TimerHandle*>(h->data);  // NOLINT(cppcoreguidelines-owning-memory)
        });
  }
};

UvPoller::UvPoller(uv_loop_t* hostLoop)
    : loop_(hostLoop != nullptr ? hostLoop : &ownLoop_), ownsLoop_(hostLoop == nullptr) {
  if (ownsLoop_) {
    if (const int rc = uv_loop_init(&ownLoop_); rc != 0) {
      throwUv("uv_loop_init", rc);
    }
  }
  timeoutTimer_ = new TimerHandle;  // NOLINT(cppcoreguidelines-owning-memory): freed on close
  timeoutTimer_->handle.data = timeoutTimer_;
  uv_timer_init(loop_, &timeoutTimer_->handle);
  wakeTimer_ = new TimerHandle;  // NOLINT(cppcoreguidelines-owning-memory): freed on close
  wakeTimer_->handle.data = wakeTimer_;
  wakeTimer_->owner = this;
  uv_timer_init(loop_, &wakeTimer_->handle);
}

UvPoller::~UvPoller() {
  for (auto& [fd, handle] : handles_) {
    handle->close();
  }
  handles_.clear();
  timeoutTimer_->close();
  wakeTimer_->close();
  if (ownsLoop_) {
    // Run the close callbacks so every handle is freed, then the loop can close.
    while (uv_loop_close(&ownLoop_) == UV_EBUSY) {
      uv_run(&ownLoop_, UV_RUN_NOWAIT);
    }
  }
}

void UvPoller::update(int fd, unsigned before, unsigned after) {
  (void)before;
  auto it = handles_.find(fd);
  if (after == kInterestNone) {
    if (it != handles_.end()) {
      uv_poll_stop(&it->second->handle);
      it->second->close();
      handles_.erase(it);
    }
    return;
  }
  PollHandle* handle = nullptr;
  if (it == handles_.end()) {
    auto fresh = std::make_unique<PollHandle>();
    fresh->handle.data = fresh.get();
    fresh->owner = this;
    fresh->fd = fd;
    if (const int rc = uv_poll_init(loop_, &fresh->handle, fd); rc != 0) {
      throwUv("uv_poll_init", rc);
    }
    handle = fresh.release();
    handles_.emplace(fd, handle);
  } else {
    handle = it->second;
  }
  handle->events = uvEvents(after);
  if (const int rc = uv_poll_start(&handle->handle, handle->events, &UvPoller::onPoll); rc != 0) {
    throwUv("uv_poll_start", rc);
  }
}

void UvPoller::onPoll(uv_poll_t* handle, int status, int events) {
  auto* self = static_cast<PollHandle*>(handle->data);
  UvPoller* owner = self->owner;
  if (status < 0) {
    // libuv stops a poll handle that reports an error; the reactor's registration still
    // stands, so watch again, as epoll keeps reporting EPOLLERR until the owner acts on it.
    uv_poll_start(handle, self->events, &UvPoller::onPoll);
  }
  const bool trouble = status < 0 || (events & UV_DISCONNECT) != 0;
  const ReadyEvent event{self->fd, trouble || (events & UV_READABLE) != 0,
                         trouble || (events & UV_WRITABLE) != 0};
  if (owner->collecting_ != nullptr) {
    owner->collecting_->push_back(event);  // a reactor turn: it dispatches after uv_run returns
  } else if (owner->listener_ != nullptr) {
    // The host runs the loop itself: serve the event now, as any libuv library would. `self`
    // stays valid even if the dispatch drops the descriptor: it is freed in its close callback.
    owner->listener_->readyOutsideTurn(event);
  }
}

void UvPoller::onWake(uv_timer_t* timer) {
  UvPoller* owner = static_cast<TimerHandle*>(timer->data)->owner;
  owner->wakeArmedFor_.reset();  // a one-shot timer: the next deadline needs arming afresh
  if (owner->collecting_ == nullptr && owner->listener_ != nullptr) {
    owner->listener_->wakeOutsideTurn();
  }
  // Inside a turn the wake-up only ends the wait: the reactor runs due calls after every poll.
}

void UvPoller::poll(std::optional<double> timeout, std::vector<ReadyEvent>& ready) {
  collecting_ = &ready;
  uv_update_time(loop_);
  if (timeout && *timeout <= 0) {
    uv_run(loop_, UV_RUN_NOWAIT);
  } else {
    if (timeout) {
      uv_timer_start(
          &timeoutTimer_->handle, [](uv_timer_t*) {},
          static_cast<std::uint64_t>(timeoutMilliseconds(timeout)), 0);
    }
    uv_run(loop_, UV_RUN_ONCE);
    uv_timer_stop(&timeoutTimer_->handle);
  }
  collecting_ = nullptr;
}

void UvPoller::setWakeDeadline(std::optional<double> deadline) {
  // As with epoll's timerfd: arm only when the deadline moves earlier or nothing is armed; a
  // deadline that moved later costs one early wake-up, after which the reactor re-arms (at the
  // end of its turn, or from wakeOutsideTurn when the host runs the loop).
  if (!deadline || (wakeArmedFor_ && *wakeArmedFor_ <= *deadline)) {
    return;
  }
  wakeArmedFor_ = deadline;
  uv_update_time(loop_);  // the loop's cached time may be stale between turns
  uv_timer_start(&wakeTimer_->handle, &UvPoller::onWake, millisecondsUntil(*deadline), 0);
}

}  // namespace torsion::detail
