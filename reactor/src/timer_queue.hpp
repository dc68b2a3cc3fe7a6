#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include <torsion/deferred/unique_function.hpp>
#include <torsion/reactor/delayed_call.hpp>
#include <torsion/reactor/ireactor_time.hpp>

namespace torsion::detail {

/// The one timer structure every time source shares (Reactor and Clock): a binary min-heap of
/// (deadline, sequence) entries over a pool of call slots, with lazy cancellation.
///
/// Cancelling a call only marks its heap entry stale; stale entries are dropped when they reach
/// the top, and the heap is rebuilt once more than half of it is stale, so cancel-heavy
/// workloads stay O(log n) and bounded. Moving a call *later* (an idle timeout reset on every
/// message) touches no heap at all: the slot records the new deadline, and its old, earlier
/// entry is re-filed under the new key only when it reaches the top. Moving a call earlier
/// pushes a new entry and marks the old one stale.
///
/// Lifetime: DelayedCall handles count references to their slot and to the queue. The owner
/// holds the queue through `TimerQueue::Owner`; when the owner goes first, the queue drops every
/// pending function and lives on, inert, until the last handle is gone. Handles are therefore
/// always safe to use.
class TimerQueue {
 public:
  /// Deletes the queue, or orphans it while handles remain.
  struct Release {
    void operator()(TimerQueue* queue) const noexcept;
  };

  /// How the Reactor or Clock holds its queue.
  using Owner = std::unique_ptr<TimerQueue, Release>;

  /// A queue whose `reset` reads the current time from `clock`.
  static Owner create(const IReactorTime& clock);

  /// Calls `hook(deadline)` whenever a call is scheduled or rescheduled, so an embedding reactor
  /// can move its wake-up earlier. Empty by default, costing one branch.
  void onSchedule(UniqueFunction<void(double)> hook) { onSchedule_ = std::move(hook); }

  /// Schedules `fn` at `deadline`.
  DelayedCall add(double deadline, UniqueFunction<void()> fn);

  /// The next sequence number `add` or a reschedule will hand out. A turn records it before
  /// running calls, so calls scheduled during the turn wait for the next one.
  [[nodiscard]] std::uint64_t nextSequence() const noexcept { return nextSeq_; }

  /// The earliest pending deadline, if any call is pending.
  [[nodiscard]] std::optional<double> nextDeadline() {
    // Inline fast path: a reactor asks on every turn, and most turns have no call pending.
    if (pending_ == 0) {
      return std::nullopt;
    }
    return settledNextDeadline();
  }

  /// The earliest pending deadline strictly after `time`, if any. Walks only the part of the
  /// heap at or before the answer, so it is cheap when few calls are due by `time`.
  [[nodiscard]] std::optional<double> nextDeadlineAfter(double time) const;

  /// Removes and returns the earliest pending call that is due at `now` and was scheduled
  /// before `sequenceLimit`, marking it called; its deadline is stored in `*deadline`.
  std::optional<UniqueFunction<void()>> popDue(double now, std::uint64_t sequenceLimit,
                                               double* deadline = nullptr);

  /// False when no call can be due at `now`, without settling the heap: every entry's key is
  /// at or before its call's deadline (a call moved later keeps its earlier entry until that
  /// entry reaches the top), so a top key after `now` proves nothing is due. A turn checks this
  /// before it asks for due calls, since most turns run none.
  [[nodiscard]] bool mayHaveDue(double now) const noexcept {
    return pending_ != 0 && heap_.front().deadline <= now;
  }

  /// Number of pending calls.
  [[nodiscard]] std::size_t pendingCount() const noexcept { return pending_; }

  /// Handles to every pending call.
  [[nodiscard]] std::vector<DelayedCall> pendingCalls();

  // The operations behind DelayedCall.
  void cancel(std::uint32_t slot);
  void reschedule(std::uint32_t slot, double newDeadline);
  void resetFromNow(std::uint32_t slot, double delay);
  void delayBy(std::uint32_t slot, double extra);
  [[nodiscard]] bool active(std::uint32_t slot) const noexcept;
  [[nodiscard]] bool called(std::uint32_t slot) const noexcept;
  [[nodiscard]] bool cancelled(std::uint32_t slot) const noexcept;
  [[nodiscard]] double deadline(std::uint32_t slot) const noexcept;
  void acquire(std::uint32_t slot) noexcept;
  void release(std::uint32_t slot) noexcept;

  TimerQueue(const TimerQueue&) = delete;
  TimerQueue& operator=(const TimerQueue&) = delete;
  TimerQueue(TimerQueue&&) = delete;
  TimerQueue& operator=(TimerQueue&&) = delete;

 private:
  enum class State : std::uint8_t { kFree, kPending, kCalled, kCancelled };

  struct Slot {
    UniqueFunction<void()> fn;
    double deadline = 0;
    std::uint64_t seq = 0;       // this call's scheduling order, for ties
    std::uint64_t heapSeq = 0;   // the sequence of the one heap entry that stands for this call
    std::uint32_t handles = 0;   // DelayedCall handles referring to the slot
    std::uint32_t nextFree = 0;  // free-list link while kFree
    State state = State::kFree;
  };

  struct Entry {
    double deadline;
    std::uint64_t seq;
    std::uint32_t slot;
  };

  explicit TimerQueue(const IReactorTime& clock) : clock_(&clock) {}

  ~TimerQueue() = default;

  [[nodiscard]] bool stale(const Entry& entry) const noexcept;
  [[nodiscard]] bool outdated(const Entry& entry) const noexcept;
  void push(std::uint32_t slot);
  void popTop();
  void settleTop();
  [[nodiscard]] std::optional<double> settledNextDeadline();
  void markStale();
  void freeIfUnused(std::uint32_t slot) noexcept;
  void requirePending(std::uint32_t slot) const;
  void orphan() noexcept;

  static constexpr std::uint32_t kNoSlot = UINT32_MAX;

  const IReactorTime* clock_;  // null once the owner is gone
  UniqueFunction<void(double)> onSchedule_;
  std::vector<Slot> slots_;
  std::vector<Entry> heap_;
  std::uint32_t freeHead_ = kNoSlot;
  std::uint64_t nextSeq_ = 0;
  std::size_t pending_ = 0;
  std::size_t stale_ = 0;
  std::size_t handleCount_ = 0;  // all handles, so an orphaned queue knows when to go
};

/// Checks a delay given to callLater or reset.
/// @throws ValueError if `delay` is negative or NaN.
void checkDelay(Seconds delay, const char* what);

}  // namespace torsion::detail
