#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <vector>

#include <torsion/deferred/deferred.hpp>
#include <torsion/deferred/error.hpp>
#include <torsion/deferred/source_location.hpp>
#include <torsion/deferred/unique_function.hpp>
#include <torsion/reactor/delayed_call.hpp>
#include <torsion/reactor/ireactor_time.hpp>

namespace torsion {

/// A Cooperator or one of its tasks was in the wrong state for the operation (Twisted's
/// `SchedulerError`); the base of the errors below.
class SchedulerError : public Error {
 public:
  using Error::Error;
};

/// The Cooperator was stopped (or destroyed) before the task finished, or was already stopped
/// when the task was added (Twisted's `SchedulerStopped`).
class SchedulerStopped : public SchedulerError {
 public:
  using SchedulerError::SchedulerError;
};

/// The task has finished for good: done, stopped or failed (Twisted's `TaskFinished`).
class TaskFinished : public SchedulerError {
 public:
  using SchedulerError::SchedulerError;
};

/// The task already ran to completion (Twisted's `TaskDone`).
class TaskDone : public TaskFinished {
 public:
  using TaskFinished::TaskFinished;
};

/// The task was stopped with `CooperativeTask::stop()`; also the failure its `whenDone()`
/// Deferreds get then (Twisted's `TaskStopped`).
class TaskStopped : public TaskFinished {
 public:
  using TaskFinished::TaskFinished;
};

/// The task ended because a step threw (Twisted's `TaskFailed`).
class TaskFailed : public TaskFinished {
 public:
  using TaskFinished::TaskFinished;
};

/// `resume()` was called on a task that is not paused (Twisted's `NotPaused`).
class NotPaused : public SchedulerError {
 public:
  using SchedulerError::SchedulerError;
};

class Cooperator;

namespace detail {
class CooperativeTaskState;

/// How a task finished (kNone while it has not).
enum class TaskCompletion { kNone, kDone, kStopped, kFailed, kSchedulerStopped };
}  // namespace detail

/// A task running inside a Cooperator, which can be paused, resumed, stopped and waited on
/// (Twisted's `CooperativeTask`). Returned by `Cooperator::cooperate`.
///
/// Ownership: a cheap copyable handle. The Cooperator owns each unfinished task (paused ones
///   too), so dropping every handle does not stop a task; a finished task lives while handles
///   to it do. A handle stays valid after its Cooperator is destroyed (the task then counts as
///   finished with SchedulerStopped).
/// Thread: the Cooperator's clock thread only.
/// Re-entrancy: every method may be called from inside any task's step, including the task's
///   own, and from `whenDone()` callbacks.
class CooperativeTask {
 public:
  /// Stops running this task's steps until `resume()`. Counted: each `pause()` needs a
  /// `resume()`.
  /// @throws TaskDone, TaskStopped, TaskFailed or SchedulerStopped if the task has finished.
  void pause();

  /// Undoes one `pause()`; the task runs again when no pause remains.
  /// @throws NotPaused if the task is not paused.
  void resume();

  /// Ends the task now: no further step runs, and its `whenDone()` Deferreds fail with
  /// TaskStopped (inside this call).
  /// @throws TaskDone, TaskStopped, TaskFailed or SchedulerStopped if the task has finished.
  void stop();

  /// A new Deferred that fires when the task finishes: with success when a step returns false,
  /// with the exception when a step throws, with TaskStopped after `stop()`, and with
  /// SchedulerStopped when the Cooperator stops or is destroyed first. If the task has already
  /// finished, the Deferred has its result at once. Each call returns a separate Deferred.
  [[nodiscard]] Deferred<void> whenDone(SourceLocation origin = SourceLocation::current());

 private:
  friend class Cooperator;

  explicit CooperativeTask(std::shared_ptr<detail::CooperativeTaskState> state) noexcept;

  std::shared_ptr<detail::CooperativeTaskState> state_;
};

/// Runs many long tasks in small steps, round-robin, without starving the reactor (Twisted's
/// `task.Cooperator`).
///
/// A task is a step function: each call does one small unit of work and returns true while
/// there is more to do, false when it has finished. This is the C++ form of Twisted's iterator:
/// `next(it)` is one call of the step, `StopIteration` is returning false, and an exception is
/// an exception. (Twisted also lets the iterator yield a Deferred to wait on it; here a step
/// that must wait pauses its own task and resumes it from the Deferred's callback.)
///
/// Scheduling, as Twisted's default: on each turn the Cooperator runs steps of its unpaused
/// tasks in turn, one step per task, until the time slice is used up, and then yields to the
/// reactor with `callLater(0)`, so pending I/O runs before the next slice. The slice is measured
/// with `clock.seconds()`. Because the fake Clock's time stands still during a slice, a slice
/// also ends after `maxStepsPerSlice` steps: on the fake Clock each step of `advance` runs one
/// slice of at most that many steps, which keeps `advance` from spinning forever on an endless
/// task and lets a test see the interleaving. On a real reactor the step limit bounds the time a
/// slice takes when steps are cheap and the clock is coarse.
///
/// Ownership: the caller owns the Cooperator; it owns its unfinished tasks (their step
///   functions) and its pending DelayedCall, which captures `this` and is cancelled in the
///   destructor. Destroying it stops it, as `stop()` does. The clock must outlive it.
/// Thread: the clock's thread (the reactor thread) only.
/// Re-entrancy: a step and a `whenDone()` callback may add, pause, resume and stop tasks and may
///   stop the Cooperator; they must not destroy it.
///
/// Example:
///     torsion::Cooperator cooperator(reactor);
///     std::size_t row = 0;
///     torsion::Deferred<void> done = cooperator.coiterate([&table, row]() mutable {
///       table.reindex(row++);
///       return row < table.size();   // true: more to do
///     });
class Cooperator {
 public:
  /// Steps per slice when the constructor is not told otherwise.
  static constexpr std::size_t kDefaultMaxStepsPerSlice = 1000;

  /// A Cooperator scheduling on `clock`, running at most `slice` (Twisted's 0.01 s) and at most
  /// `maxStepsPerSlice` steps per reactor turn.
  /// @throws ValueError if `slice` is negative or NaN, or `maxStepsPerSlice` is 0.
  explicit Cooperator(IReactorTime& clock, Seconds slice = std::chrono::milliseconds(10),
                      std::size_t maxStepsPerSlice = kDefaultMaxStepsPerSlice);

  /// Stops the Cooperator; see `stop()`.
  ~Cooperator();  // NOLINT(bugprone-exception-escape): only std::bad_alloc

  Cooperator(const Cooperator&) = delete;
  Cooperator& operator=(const Cooperator&) = delete;
  Cooperator(Cooperator&&) = delete;
  Cooperator& operator=(Cooperator&&) = delete;

  /// Adds a task; its first step runs on a later turn, never inside this call. If the
  /// Cooperator is stopped, the task is finished at once with SchedulerStopped.
  /// @throws ValueError if `step` is empty.
  CooperativeTask cooperate(UniqueFunction<bool()> step);

  /// `cooperate(step).whenDone()`: a Deferred that fires when the task finishes (Twisted's
  /// `coiterate`).
  /// @throws ValueError if `step` is empty.
  [[nodiscard]] Deferred<void> coiterate(UniqueFunction<bool()> step,
                                         SourceLocation origin = SourceLocation::current());

  /// Stops scheduling: every unfinished task, paused ones included, finishes with
  /// SchedulerStopped (their `whenDone()` Deferreds fail inside this call), and tasks added
  /// later finish at once the same way until `start()`.
  void stop();

  /// Accepts and runs tasks again after `stop()` (a new Cooperator is already started).
  void start() noexcept { stopped_ = false; }

  /// True unless stopped.
  [[nodiscard]] bool running() const noexcept { return !stopped_; }

 private:
  friend class CooperativeTask;

  using TaskPtr = std::shared_ptr<detail::CooperativeTaskState>;

  void tick();
  void runStep(const TaskPtr& task);
  void reschedule();
  void pauseTask(const TaskPtr& task);
  void resumeTask(const TaskPtr& task);
  void completeTask(const TaskPtr& task, detail::TaskCompletion how, const Failure* failure);
  void forget(const TaskPtr& task);

  IReactorTime& clock_;
  Seconds slice_;
  std::size_t maxStepsPerSlice_;
  std::vector<TaskPtr> runnable_;  // unpaused, unfinished tasks, in round-robin order
  std::vector<TaskPtr> paused_;    // paused, unfinished tasks
  std::size_t cursor_ = 0;         // the next runnable task to step
  DelayedCall call_;               // the next tick; captures `this`, cancelled in ~Cooperator
  bool stopped_ = false;
};

}  // namespace torsion
