#pragma once

#include <algorithm>
#include <cstddef>
#include <deque>
#include <optional>
#include <utility>

#include <torsion/deferred/deferred.hpp>
#include <torsion/deferred/detail/dispatch_guard.hpp>
#include <torsion/deferred/error.hpp>
#include <torsion/deferred/source_location.hpp>

namespace torsion {

/// `DeferredQueue::put` on a queue already holding `size` items (Twisted's `QueueOverflow`).
class QueueOverflow : public Error {
 public:
  QueueOverflow() : Error("DeferredQueue::put: the queue is full (size limit reached)") {}
};

/// `DeferredQueue::get` with `backlog` gets already waiting (Twisted's `QueueUnderflow`).
class QueueUnderflow : public Error {
 public:
  QueueUnderflow() : Error("DeferredQueue::get: too many gets waiting (backlog limit reached)") {}
};

/// A FIFO whose `get()` returns a Deferred that fires when an item is available (Twisted's
/// `DeferredQueue`). `size` bounds the items held, `backlog` the gets waiting; nullopt means
/// no bound. Both limits are checked synchronously and throw.
///
/// Example:
///     torsion::DeferredQueue<Job> jobs(100);
///     jobs.get().addCallback([](Job j) { return run(std::move(j)); });
///     jobs.put(Job{...});  // the callback above runs now
///
/// Ownership: owns the items; the queue must outlive the gets waiting on it (destroying it
///   leaves them unfired).
/// Thread: not thread-safe.
/// Re-entrancy: a put from inside a get's callback is delivered iteratively, in order.
template <class T>
class DeferredQueue {
  static_assert(!std::is_void_v<T>, "DeferredQueue<T> carries values");

 public:
  explicit DeferredQueue(std::optional<std::size_t> size = std::nullopt,
                         std::optional<std::size_t> backlog = std::nullopt)
      : size_(size), backlog_(backlog) {}

  DeferredQueue(const DeferredQueue&) = delete;
  DeferredQueue& operator=(const DeferredQueue&) = delete;
  DeferredQueue(DeferredQueue&&) = delete;
  DeferredQueue& operator=(DeferredQueue&&) = delete;

  ~DeferredQueue() {
    for (Deferred<T>& d : waiting_) {
      detail::DeferredAccess::core(d)->clearCanceller();
    }
  }

  /// Hands `value` to the oldest waiting get, or keeps it.
  /// @throws QueueOverflow if no get waits and `size` items are already held.
  void put(T value) {
    bool taken = waiting_.size() > pending_.size();
    if (!taken && size_ && pending_.size() >= *size_) {
      throw QueueOverflow();
    }
    pending_.push_back(std::move(value));
    dispatch();
  }

  /// A Deferred of the next item: fired at once if one is held. Cancelling a waiting get removes
  /// it from the queue.
  /// @throws QueueUnderflow if `backlog` gets are already waiting.
  [[nodiscard]] Deferred<T> get(SourceLocation origin = SourceLocation::current()) {
    if (waiting_.empty() && !pending_.empty()) {
      T value = std::move(pending_.front());
      pending_.pop_front();
      return succeed(std::move(value), origin);
    }
    if (backlog_ && waiting_.size() >= *backlog_) {
      throw QueueUnderflow();
    }
    Deferred<T> d([this](Deferred<T>& self) { removeWaiter(self); }, origin);
    waiting_.push_back(d);
    dispatch();
    return d;
  }

  /// Items held, not yet taken.
  [[nodiscard]] std::size_t pending() const noexcept { return pending_.size(); }

  /// Gets waiting for an item.
  [[nodiscard]] std::size_t waiting() const noexcept { return waiting_.size(); }

 private:
  void removeWaiter(const Deferred<T>& d) {
    detail::DeferredCore* core = detail::DeferredAccess::core(d);
    auto it = std::find_if(waiting_.begin(), waiting_.end(), [core](const Deferred<T>& w) {
      return detail::DeferredAccess::core(w) == core;
    });
    if (it != waiting_.end()) {
      waiting_.erase(it);
    }
  }

  void dispatch() {
    if (dispatching_) {
      return;  // the loop below, further up the stack, delivers it
    }
    const detail::DispatchGuard guard(dispatching_);

    while (!waiting_.empty() && !pending_.empty()) {
      Deferred<T> d = std::move(waiting_.front());
      waiting_.pop_front();
      T value = std::move(pending_.front());
      pending_.pop_front();
      d.callback(std::move(value));
    }
  }

  std::optional<std::size_t> size_;
  std::optional<std::size_t> backlog_;
  bool dispatching_ = false;
  std::deque<T> pending_;
  std::deque<Deferred<T>> waiting_;
};

}  // namespace torsion
