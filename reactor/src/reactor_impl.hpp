#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include <torsion/deferred/logger.hpp>
#include <torsion/reactor/reactor_core.hpp>

#include "ipoller.hpp"
#include "signal_watcher.hpp"
#include "thread_pool.hpp"
#include "timer_queue.hpp"
#include "waker.hpp"

namespace torsion::detail {

/// Everything behind `torsion::ReactorCore`: the composition of poller, timer queue, waker, signal
/// watcher and thread pool, plus the descriptor table and the lifecycle state machine.
///
/// A turn is `iterate`: poll, dispatch what is ready, run due calls, re-arm the wake deadline.
/// On the uv backend a host may run the loop itself instead; the poller then hands each event
/// and each wake-up to this class as an `IPollerListener`, which does the same work piecemeal.
class ReactorImpl final : private IPollerListener {
 public:
  ReactorImpl(const IReactorTime& clock, const ReactorOptions& options);
  ~ReactorImpl() override;

  ReactorImpl(const ReactorImpl&) = delete;
  ReactorImpl& operator=(const ReactorImpl&) = delete;
  ReactorImpl(ReactorImpl&&) = delete;
  ReactorImpl& operator=(ReactorImpl&&) = delete;

  [[nodiscard]] ReactorBackend backend() const noexcept { return backend_; }

  DelayedCall callLater(double now, Seconds delay, UniqueFunction<void()> fn);
  [[nodiscard]] std::vector<DelayedCall> getDelayedCalls() const;

  void run();
  void stop();
  void crash() noexcept;

  [[nodiscard]] bool running() const noexcept { return state_ != State::kStopped; }

  void iterate(std::optional<double> timeout);
  TriggerId callWhenRunning(UniqueFunction<void()> fn);
  TriggerId addTrigger(EventPhase phase, SystemEvent event, UniqueFunction<Deferred<void>()> fn,
                       bool once);
  void removeTrigger(TriggerId id);

  void addReader(IReadDescriptor& reader);
  void addWriter(IWriteDescriptor& writer);
  void removeReader(const IReadDescriptor& reader);
  void removeWriter(const IWriteDescriptor& writer);
  [[nodiscard]] bool isReading(const IReadDescriptor& reader) const;
  [[nodiscard]] bool isWriting(const IWriteDescriptor& writer) const;

  void callFromThread(UniqueFunction<void()> fn) { waker_.push(std::move(fn)); }

  void callInThread(UniqueFunction<void()> fn) { pool_.callInThread(std::move(fn)); }

  void suggestThreadPoolSize(std::size_t size);

  int embeddingDescriptor();
  std::optional<Seconds> timeUntilNextCall();

 private:
  enum class State : std::uint8_t { kStopped, kRunning, kStopping };

  struct Watched {
    IReadDescriptor* reader = nullptr;
    IWriteDescriptor* writer = nullptr;
  };

  struct Trigger {
    TriggerId id;
    EventPhase phase;
    SystemEvent event;
    bool once;
    UniqueFunction<Deferred<void>()> fn;
  };

  // The "before" phase of an event in progress, waiting for its triggers' Deferreds. The
  // reactor clears `reactor` when it dies, so a Deferred firing later finds nobody to resume.
  struct PhaseWait {
    ReactorImpl* reactor = nullptr;
    std::size_t pending = 0;
    UniqueFunction<void()> resume;
  };

  Watched& watched(int fd);
  [[nodiscard]] const Watched* findWatched(int fd) const noexcept;
  void setInterest(int fd, Watched& entry, unsigned before);
  static void checkDescriptor(int fd);
  void dispatch(const ReadyEvent& event);
  void dropDescriptor(int fd) noexcept;
  void runDueCalls();
  void readyOutsideTurn(const ReadyEvent& event) noexcept override;
  void wakeOutsideTurn() noexcept override;
  void fireSystemEvent(SystemEvent event, UniqueFunction<void()> done);
  std::vector<Deferred<void>> runPhase(SystemEvent event, EventPhase phase);
  void finishSystemEvent(SystemEvent event, UniqueFunction<void()> done);
  void onSignal(int signo);

  const IReactorTime& clock_;
  ReactorBackend backend_;
  bool installSignalHandlers_;
  Logger log_{"torsion.reactor"};
  std::unique_ptr<IPoller> poller_;
  TimerQueue::Owner timers_;
  std::vector<Watched> watched_;  // by descriptor number
  std::vector<ReadyEvent> ready_;
  std::vector<Trigger> triggers_;
  std::uint64_t nextTriggerId_ = 1;
  std::shared_ptr<PhaseWait> phaseWait_;
  State state_ = State::kStopped;
  bool embedding_ = false;
  ThreadPool pool_;
  Waker waker_;
  SignalWatcher signals_;
};

}  // namespace torsion::detail
