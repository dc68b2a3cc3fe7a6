#include "timer_queue.hpp"

#include <algorithm>
#include <cmath>
#include <memory>

#include <fmt/format.h>

#include <torsion/deferred/error.hpp>
#include <torsion/reactor/errors.hpp>

namespace torsion::detail {

namespace {

// Orders the heap so that the earliest deadline, then the lowest sequence, is on top.
struct Later {
  template <class E>
  bool operator()(const E& a, const E& b) const noexcept {
    return a.deadline != b.deadline ? a.deadline > b.deadline : a.seq > b.seq;
  }
};

// A heap rebuild is only worth it past this size; below it stale entries are cheap to pop.
constexpr std::size_t kCompactMinimum = 64;

}  // namespace

void checkDelay(Seconds delay, const char* what) {
  if (std::isnan(delay.count())) {
    throw ValueError(fmt::format("{}: delay is NaN", what));
  }
  if (delay.count() < 0) {
    throw ValueError(fmt::format("{}: delay {}s is negative", what, delay.count()));
  }
}

void TimerQueue::Release::operator()(TimerQueue* queue) const noexcept {
  queue->orphan();
}

TimerQueue::Owner TimerQueue::create(const IReactorTime& clock) {
  return Owner(new TimerQueue(clock));  // NOLINT(cppcoreguidelines-owning-memory): Owner frees it
}

void TimerQueue::orphan() noexcept {
  clock_ = nullptr;
  onSchedule_ = nullptr;
  // Drop every pending function now: their captures may refer to objects that die with the
  // owner. Move them out first, since a capture's destructor may release other handles.
  std::vector<UniqueFunction<void()>> dropped;
  for (Slot& slot : slots_) {
    if (slot.state == State::kPending) {
      slot.state = State::kCancelled;
      dropped.push_back(std::move(slot.fn));
    }
  }
  pending_ = 0;
  heap_.clear();
  dropped.clear();
  if (handleCount_ == 0) {
    delete this;  // NOLINT(cppcoreguidelines-owning-memory): the last reference is gone
  }
}

DelayedCall TimerQueue::add(double deadline, UniqueFunction<void()> fn) {
  std::uint32_t index = freeHead_;
  if (index != kNoSlot) {
    freeHead_ = slots_[index].nextFree;
  } else {
    index = static_cast<std::uint32_t>(slots_.size());
    slots_.emplace_back();
  }
  Slot& slot = slots_[index];
  slot.fn = std::move(fn);
  slot.deadline = deadline;
  slot.state = State::kPending;
  ++pending_;
  push(index);
  return DelayedCall(this, index);
}

void TimerQueue::push(std::uint32_t index) {
  Slot& slot = slots_[index];
  slot.seq = nextSeq_++;
  slot.heapSeq = slot.seq;
  heap_.push_back(Entry{slot.deadline, slot.seq, index});
  std::push_heap(heap_.begin(), heap_.end(), Later{});
  if (onSchedule_) {
    onSchedule_(slot.deadline);
  }
}

bool TimerQueue::stale(const Entry& entry) const noexcept {
  const Slot& slot = slots_[entry.slot];
  return slot.state != State::kPending || slot.heapSeq != entry.seq;
}

bool TimerQueue::outdated(const Entry& entry) const noexcept {
  // A live entry whose call was moved later since it was filed.
  const Slot& slot = slots_[entry.slot];
  return slot.seq != entry.seq;
}

void TimerQueue::popTop() {
  std::pop_heap(heap_.begin(), heap_.end(), Later{});
  heap_.pop_back();
}

void TimerQueue::settleTop() {
  // Afterwards the top entry, if any, is live and filed under its call's current key.
  while (!heap_.empty()) {
    const Entry top = heap_.front();
    if (stale(top)) {
      popTop();
      --stale_;
    } else if (outdated(top)) {
      popTop();
      Slot& slot = slots_[top.slot];
      slot.heapSeq = slot.seq;
      heap_.push_back(Entry{slot.deadline, slot.seq, top.slot});
      std::push_heap(heap_.begin(), heap_.end(), Later{});
    } else {
      return;
    }
  }
}

void TimerQueue::markStale() {
  ++stale_;
  if (stale_ > kCompactMinimum && stale_ > heap_.size() / 2) {
    std::erase_if(heap_, [this](const Entry& e) { return stale(e); });
    std::make_heap(heap_.begin(), heap_.end(), Later{});
    stale_ = 0;
  }
}

std::optional<double> TimerQueue::settledNextDeadline() {
  settleTop();
  if (heap_.empty()) {
    return std::nullopt;
  }
  return heap_.front().deadline;
}

std::optional<double> TimerQueue::nextDeadlineAfter(double time) const {
  std::optional<double> best;
  std::vector<std::size_t> toVisit;
  if (!heap_.empty()) {
    toVisit.push_back(0);
  }
  while (!toVisit.empty()) {
    const std::size_t i = toVisit.back();
    toVisit.pop_back();
    const Entry& entry = heap_[i];
    if (best && entry.deadline >= *best) {
      continue;  // heap order: nothing below this entry is earlier
    }
    if (!stale(entry)) {
      // An outdated entry's call is due later than its key says; its children may be earlier.
      const double due = slots_[entry.slot].deadline;
      if (due > time && (!best || due < *best)) {
        best = due;
      }
      if (entry.deadline > time && !outdated(entry)) {
        continue;
      }
    }
    for (const std::size_t child : {2 * i + 1, 2 * i + 2}) {
      if (child < heap_.size()) {
        toVisit.push_back(child);
      }
    }
  }
  return best;
}

std::optional<UniqueFunction<void()>> TimerQueue::popDue(double now, std::uint64_t sequenceLimit,
                                                         double* deadline) {
  settleTop();
  if (heap_.empty()) {
    return std::nullopt;
  }
  const Entry top = heap_.front();
  // Entries scheduled at or after the limit have deadlines no earlier than every older due
  // entry, so stopping at the first of them skips nothing that is allowed to run.
  if (top.deadline > now || top.seq >= sequenceLimit) {
    return std::nullopt;
  }
  popTop();
  Slot& slot = slots_[top.slot];
  slot.state = State::kCalled;
  --pending_;
  if (deadline != nullptr) {
    *deadline = slot.deadline;
  }
  UniqueFunction<void()> fn = std::move(slot.fn);
  freeIfUnused(top.slot);
  return fn;
}

std::vector<DelayedCall> TimerQueue::pendingCalls() {
  std::vector<DelayedCall> calls;
  calls.reserve(pending_);
  for (std::uint32_t i = 0; i < slots_.size(); ++i) {
    if (slots_[i].state == State::kPending) {
      calls.push_back(DelayedCall(this, i));
    }
  }
  return calls;
}

void TimerQueue::requirePending(std::uint32_t index) const {
  switch (slots_[index].state) {
    case State::kPending:
      return;
    case State::kCalled:
      throw AlreadyCalled("the delayed call has already run");
    case State::kCancelled:
    case State::kFree:
      break;
  }
  throw AlreadyCancelled("the delayed call was already cancelled");
}

void TimerQueue::cancel(std::uint32_t index) {
  requirePending(index);
  Slot& slot = slots_[index];
  slot.state = State::kCancelled;
  --pending_;
  UniqueFunction<void()> dropped = std::move(slot.fn);
  markStale();
  // `dropped` dies here, after the queue is consistent: its captures may release handles.
}

void TimerQueue::reschedule(std::uint32_t index, double newDeadline) {
  requirePending(index);
  Slot& slot = slots_[index];
  if (newDeadline >= slot.deadline) {
    // Later: the existing entry surfaces no later than needed and is re-filed then.
    slot.deadline = newDeadline;
    slot.seq = nextSeq_++;
    return;
  }
  slot.deadline = newDeadline;
  markStale();
  push(index);
}

void TimerQueue::resetFromNow(std::uint32_t index, double delay) {
  requirePending(index);
  reschedule(index, clock_->seconds() + delay);
}

void TimerQueue::delayBy(std::uint32_t index, double extra) {
  requirePending(index);
  reschedule(index, slots_[index].deadline + extra);
}

bool TimerQueue::active(std::uint32_t index) const noexcept {
  return slots_[index].state == State::kPending;
}

bool TimerQueue::called(std::uint32_t index) const noexcept {
  return slots_[index].state == State::kCalled;
}

bool TimerQueue::cancelled(std::uint32_t index) const noexcept {
  return slots_[index].state == State::kCancelled;
}

double TimerQueue::deadline(std::uint32_t index) const noexcept {
  return slots_[index].deadline;
}

void TimerQueue::acquire(std::uint32_t index) noexcept {
  ++slots_[index].handles;
  ++handleCount_;
}

void TimerQueue::release(std::uint32_t index) noexcept {
  --slots_[index].handles;
  --handleCount_;
  freeIfUnused(index);
  if (clock_ == nullptr && handleCount_ == 0) {
    delete this;  // NOLINT(cppcoreguidelines-owning-memory): orphaned and no handle is left
  }
}

void TimerQueue::freeIfUnused(std::uint32_t index) noexcept {
  Slot& slot = slots_[index];
  if (slot.handles == 0 && slot.state != State::kPending && slot.state != State::kFree) {
    slot.state = State::kFree;
    slot.nextFree = freeHead_;
    freeHead_ = index;
  }
}

}  // namespace torsion::detail
