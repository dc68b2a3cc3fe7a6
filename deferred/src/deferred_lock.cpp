#include <algorithm>
#include <utility>

#include <torsion/deferred/deferred_lock.hpp>
#include <torsion/deferred/error.hpp>
#include <torsion/deferred/source_location.hpp>

namespace torsion {

DeferredLock::~DeferredLock() {
  // Waiters outlive us only if someone else holds them; their cancellers must not reach us.
  for (Deferred<void>& d : waiting_) {
    detail::DeferredAccess::core(d)->clearCanceller();
  }
}

Deferred<void> DeferredLock::acquire(SourceLocation origin) {
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
  if (locked_) {
    waiting_.push_back(d);
  } else {
    locked_ = true;
    d.callback();
  }
  return d;
}

void DeferredLock::release() {
  if (!locked_) {
    throw Error("DeferredLock::release() on a lock nobody holds");
  }
  locked_ = false;
  dispatch();
}

void DeferredLock::dispatch() {
  if (dispatching_) {
    // A waiter's callback released the lock while we hand it over further up the stack; that
    // loop hands it on, so the stack stays flat however many waiters release at once.
    return;
  }
  dispatching_ = true;

  struct Reset {
    explicit Reset(bool& f) noexcept : flag(f) {}

    Reset(const Reset&) = delete;
    Reset& operator=(const Reset&) = delete;
    Reset(Reset&&) = delete;
    Reset& operator=(Reset&&) = delete;

    ~Reset() { flag = false; }

    bool& flag;
  } reset(dispatching_);

  while (!locked_ && !waiting_.empty()) {
    Deferred<void> d = std::move(waiting_.front());
    waiting_.pop_front();
    locked_ = true;
    d.callback();
  }
}

}  // namespace torsion
