#include <algorithm>
#include <cstddef>
#include <utility>

#include <torsion/deferred/deferred_semaphore.hpp>
#include <torsion/deferred/detail/dispatch_guard.hpp>
#include <torsion/deferred/error.hpp>
#include <torsion/deferred/source_location.hpp>

namespace torsion {

DeferredSemaphore::DeferredSemaphore(std::size_t tokens) : tokens_(tokens), limit_(tokens) {
  if (tokens == 0) {
    throw ValueError("DeferredSemaphore needs at least one token");
  }
}

DeferredSemaphore::~DeferredSemaphore() {
  for (Deferred<void>& d : waiting_) {
    detail::DeferredAccess::core(d)->clearCanceller();
  }
}

Deferred<void> DeferredSemaphore::acquire(SourceLocation origin) {
  Deferred<void> d(
      [this](Deferred<void>& self) {
        detail::DeferredCore* core = detail::DeferredAccess::core(self);
        auto it = std::find_if(waiting_.begin(), waiting_.end(), [core](const Deferred<void>& w) {
          return detail::DeferredAccess::core(w) == core;
        });
        if (it != waiting_.end()) {
          waiting_.erase(it);
        }
      },
      origin);
  if (tokens_ == 0) {
    waiting_.push_back(d);
  } else {
    --tokens_;
    d.callback();
  }
  return d;
}

void DeferredSemaphore::release() {
  if (tokens_ >= limit_) {
    throw Error("DeferredSemaphore::release() called more times than acquire()");
  }
  ++tokens_;
  dispatch();
}

void DeferredSemaphore::dispatch() {
  if (dispatching_) {
    return;  // the hand-over loop further up the stack serves the next waiter
  }
  const detail::DispatchGuard guard(dispatching_);

  while (tokens_ > 0 && !waiting_.empty()) {
    Deferred<void> d = std::move(waiting_.front());
    waiting_.pop_front();
    --tokens_;
    d.callback();
  }
}

}  // namespace torsion
