#include <algorithm>
#include <cmath>
#include <exception>
#include <initializer_list>
#include <optional>
#include <utility>

#include <fmt/format.h>

#include <torsion/deferred/logger.hpp>
#include <torsion/reactor/cooperator.hpp>

namespace torsion {

namespace detail {

/// One task: its step function, its pause count, how it finished and who waits for that.
class CooperativeTaskState {
 public:
  CooperativeTaskState(UniqueFunction<bool()> s, Cooperator* c) noexcept
      : step(std::move(s)), cooperator(c) {}

  /// Throws the error that says how the task finished, if it has.
  void checkFinished() const {
    switch (completion) {
      case TaskCompletion::kNone:
        return;
      case TaskCompletion::kDone:
        throw TaskDone("the cooperative task has already finished");
      case TaskCompletion::kStopped:
        throw TaskStopped("the cooperative task was stopped");
      case TaskCompletion::kFailed:
        throw TaskFailed("the cooperative task failed");
      case TaskCompletion::kSchedulerStopped:
        throw SchedulerStopped("the task's Cooperator was stopped");
    }
  }

  UniqueFunction<bool()> step;
  Cooperator* cooperator;  // null once the task has finished
  std::size_t pauseCount = 0;
  bool stepping = false;  // inside `step`: it must not be destroyed yet
  TaskCompletion completion = TaskCompletion::kNone;
  std::optional<Failure> failure;  // the result when it failed, was stopped or cut off
  std::vector<Deferred<void>> waiters;
};

}  // namespace detail

namespace {

using detail::CooperativeTaskState;
using detail::TaskCompletion;

const Logger& cooperatorLog() {
  static const Logger log{"torsion.cooperator"};
  return log;
}

void settle(Deferred<void>& d, const std::optional<Failure>& failure) {
  if (d.called()) {
    return;  // its owner cancelled it
  }
  if (failure) {
    d.errback(*failure);
  } else {
    d.callback();
  }
}

void eraseTask(std::vector<std::shared_ptr<CooperativeTaskState>>& tasks,
               const CooperativeTaskState* task, std::size_t* cursor) {
  auto it = std::find_if(tasks.begin(), tasks.end(),
                         [task](const auto& candidate) { return candidate.get() == task; });
  if (it == tasks.end()) {
    return;
  }
  const auto index = static_cast<std::size_t>(it - tasks.begin());
  tasks.erase(it);
  // Keep the round-robin position on the task that was next.
  if (cursor != nullptr && index < *cursor) {
    --*cursor;
  }
}

}  // namespace

// ---- CooperativeTask ---------------------------------------------------------------------------

CooperativeTask::CooperativeTask(std::shared_ptr<detail::CooperativeTaskState> state) noexcept
    : state_(std::move(state)) {}

void CooperativeTask::pause() {
  state_->checkFinished();
  if (++state_->pauseCount == 1) {
    state_->cooperator->pauseTask(state_);
  }
}

void CooperativeTask::resume() {
  if (state_->pauseCount == 0) {
    throw NotPaused("resume() on a cooperative task that is not paused");
  }
  if (--state_->pauseCount == 0 && state_->completion == TaskCompletion::kNone) {
    state_->cooperator->resumeTask(state_);
  }
}

void CooperativeTask::stop() {
  state_->checkFinished();
  const Failure stopped(TaskStopped("the cooperative task was stopped"));
  // A local reference: the callbacks that completion runs may drop this handle.
  std::shared_ptr<detail::CooperativeTaskState> keep = state_;
  keep->cooperator->completeTask(keep, TaskCompletion::kStopped, &stopped);
}

Deferred<void> CooperativeTask::whenDone(SourceLocation origin) {
  Deferred<void> d(origin);
  if (state_->completion == TaskCompletion::kNone) {
    state_->waiters.push_back(d);
  } else {
    settle(d, state_->failure);
  }
  return d;
}

// ---- Cooperator --------------------------------------------------------------------------------

Cooperator::Cooperator(IReactorTime& clock, Seconds slice, std::size_t maxStepsPerSlice)
    : clock_(clock), slice_(slice), maxStepsPerSlice_(maxStepsPerSlice) {
  if (std::isnan(slice.count()) || slice.count() < 0) {
    throw ValueError(fmt::format("Cooperator: slice {}s must be >= 0", slice.count()));
  }
  if (maxStepsPerSlice == 0) {
    throw ValueError("Cooperator: maxStepsPerSlice must be at least 1");
  }
}

// Only std::bad_alloc, from making stop()'s Failure, can escape; terminating then is acceptable.
Cooperator::~Cooperator() {  // NOLINT(bugprone-exception-escape)
  stop();
}

CooperativeTask Cooperator::cooperate(UniqueFunction<bool()> step) {
  if (!step) {
    throw ValueError("Cooperator::cooperate: the step function is empty");
  }
  auto task = std::make_shared<detail::CooperativeTaskState>(std::move(step), this);
  if (stopped_) {
    // Nobody can be waiting yet; whenDone() reports SchedulerStopped from now on.
    task->completion = TaskCompletion::kSchedulerStopped;
    task->failure.emplace(SchedulerStopped("the Cooperator is stopped"));
    task->cooperator = nullptr;
    task->step = nullptr;
  } else {
    runnable_.push_back(task);
    reschedule();
  }
  return CooperativeTask(std::move(task));
}

Deferred<void> Cooperator::coiterate(UniqueFunction<bool()> step, SourceLocation origin) {
  return cooperate(std::move(step)).whenDone(origin);
}

void Cooperator::stop() {
  stopped_ = true;
  if (call_.active()) {
    call_.cancel();
  }
  call_ = DelayedCall{};
  const Failure stopped(SchedulerStopped("the Cooperator was stopped"));
  // Take the lists first: the whenDone callbacks may add (they finish at once), pause or stop
  // other tasks, and the lists must not change under these loops. Nothing below allocates, so
  // the destructor cannot be left half done.
  std::vector<TaskPtr> runnable = std::move(runnable_);
  std::vector<TaskPtr> paused = std::move(paused_);
  runnable_.clear();
  paused_.clear();
  cursor_ = 0;
  for (const std::vector<TaskPtr>* tasks : {&runnable, &paused}) {
    for (const TaskPtr& task : *tasks) {
      if (task->completion == TaskCompletion::kNone) {
        completeTask(task, TaskCompletion::kSchedulerStopped, &stopped);
      }
    }
  }
}

void Cooperator::tick() {
  call_ = DelayedCall{};
  const double end = clock_.seconds() + slice_.count();
  std::size_t steps = 0;
  while (!runnable_.empty()) {
    if (cursor_ >= runnable_.size()) {
      cursor_ = 0;
    }
    // A local reference keeps the task (and its step function) alive through its step, even if
    // the step stops it.
    const TaskPtr task = runnable_[cursor_];
    ++cursor_;
    runStep(task);
    ++steps;
    if (steps >= maxStepsPerSlice_ || clock_.seconds() >= end) {
      break;
    }
  }
  reschedule();
}

void Cooperator::runStep(const TaskPtr& task) {
  bool more = false;
  task->stepping = true;
  try {
    more = task->step();
  } catch (...) {
    task->stepping = false;
    if (task->completion == TaskCompletion::kNone) {
      const Failure failure = Failure::current();
      completeTask(task, TaskCompletion::kFailed, &failure);
    } else {
      // The step stopped its own task and then threw; nobody is left to take the error.
      cooperatorLog().failure("cooperative task step after stop()", std::current_exception());
      task->step = nullptr;
    }
    return;
  }
  task->stepping = false;
  if (task->completion != TaskCompletion::kNone) {
    task->step = nullptr;  // it stopped itself (or the Cooperator) during the step
  } else if (!more) {
    completeTask(task, TaskCompletion::kDone, nullptr);
  }
}

void Cooperator::reschedule() {
  if (!stopped_ && !runnable_.empty() && !call_.active()) {
    // Zero delay: the next slice runs on the next reactor turn, after pending I/O.
    call_ = clock_.callLater(Seconds{0}, [this] { tick(); });
  }
}

void Cooperator::pauseTask(const TaskPtr& task) {
  eraseTask(runnable_, task.get(), &cursor_);
  paused_.push_back(task);
  if (runnable_.empty() && call_.active()) {
    call_.cancel();
    call_ = DelayedCall{};
  }
}

void Cooperator::resumeTask(const TaskPtr& task) {
  eraseTask(paused_, task.get(), nullptr);
  runnable_.push_back(task);
  reschedule();
}

void Cooperator::forget(const TaskPtr& task) {
  eraseTask(runnable_, task.get(), &cursor_);
  eraseTask(paused_, task.get(), nullptr);
  if (runnable_.empty() && call_.active()) {
    call_.cancel();
    call_ = DelayedCall{};
  }
}

void Cooperator::completeTask(const TaskPtr& task, detail::TaskCompletion how,
                              const Failure* failure) {
  task->completion = how;
  if (failure != nullptr) {
    task->failure = *failure;
  }
  forget(task);
  task->cooperator = nullptr;
  if (!task->stepping) {
    task->step = nullptr;  // free the step's captures now; runStep does it after a running step
  }
  // Fire last: the callbacks may use this Cooperator and its other tasks, and must find this
  // task already gone from it (Twisted's order).
  std::vector<Deferred<void>> waiters = std::move(task->waiters);
  task->waiters.clear();
  for (Deferred<void>& d : waiters) {
    settle(d, task->failure);
  }
}

}  // namespace torsion
