#pragma once

#include <deque>
#include <mutex>

#include <torsion/deferred/unique_function.hpp>
#include <torsion/reactor/ireactor_fdset.hpp>
#include <torsion/reactor/unique_fd.hpp>

namespace torsion::detail {

/// The queue behind `callFromThread`: any thread pushes a call and writes an eventfd that sits in
/// the reactor's descriptor set, so the loop wakes at once; the reactor thread drains the queue
/// in FIFO order when the eventfd turns readable.
class Waker final : public IReadDescriptor {
 public:
  /// `run` is called on the reactor thread for each queued call, in order.
  explicit Waker(UniqueFunction<void(UniqueFunction<void()>&)> run);

  /// Queues `fn` and wakes the loop. Thread: any.
  void push(UniqueFunction<void()> fn);

  /// Wakes the loop without queuing anything (used by signal delivery). Thread: any.
  void wake() noexcept;

  [[nodiscard]] int fileno() const override { return fd_.get(); }

  /// Drains the eventfd, then runs every call queued so far.
  void doRead() override;

  /// True when calls are queued.
  [[nodiscard]] bool pending();

 private:
  UniqueFd fd_;
  std::mutex mutex_;
  std::deque<UniqueFunction<void()>> queue_;
  bool signalled_ = false;  // an eventfd write is outstanding; avoids one syscall per push
  UniqueFunction<void(UniqueFunction<void()>&)> run_;
};

}  // namespace torsion::detail
