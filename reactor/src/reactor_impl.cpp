#include "reactor_impl.hpp"

#include <algorithm>
#include <csignal>
#include <cstring>
#include <exception>

#include <fcntl.h>

#include <fmt/format.h>

#include <torsion/deferred/error.hpp>
#include <torsion/reactor/errors.hpp>

#include "backends/epoll_poller.hpp"
#include "backends/poll_poller.hpp"
#include "backends/uv_poller.hpp"

namespace torsion::detail {

namespace {

std::unique_ptr<IPoller> makePoller(ReactorBackend backend, uv_loop_t* hostLoop) {
  switch (backend) {
    case ReactorBackend::kEpoll:
      return std::make_unique<EpollPoller>();
    case ReactorBackend::kPoll:
      return std::make_unique<PollPoller>();
    case ReactorBackend::kUv:
      return std::make_unique<UvPoller>(hostLoop);
  }
  throw ValueError("unknown reactor backend");
}

unsigned interestOf(IReadDescriptor* reader, IWriteDescriptor* writer) {
  return (reader != nullptr ? kInterestRead : kInterestNone) |
         (writer != nullptr ? kInterestWrite : kInterestNone);
}

}  // namespace

ReactorImpl::ReactorImpl(const IReactorTime& clock, const ReactorOptions& options)
    : clock_(clock),
      backend_(options.backend ? *options.backend : defaultReactorBackend()),
      installSignalHandlers_(options.installSignalHandlers),
      poller_(makePoller(backend_, options.uvLoop)),
      timers_(TimerQueue::create(clock)),
      pool_(options.threadPoolSize),
      waker_([this](UniqueFunction<void()>& fn) {
        try {
          fn();
        } catch (...) {
          log_.failure("callFromThread", std::current_exception());
        }
      }),
      signals_([this](int signo) { onSignal(signo); }) {
  if (options.threadPoolSize == 0) {
    throw ValueError("ReactorOptions::threadPoolSize must be at least 1");
  }
  if (backend_ == ReactorBackend::kUv) {
    // libuv's loop sleeps on its own timers; keep one armed at our next deadline, between turns
    // too, since a host may run the loop without ever giving us a turn.
    timers_->onSchedule([this](double deadline) { poller_->setWakeDeadline(deadline); });
    poller_->setListener(this);
  }
  addReader(waker_);
}

ReactorImpl::~ReactorImpl() {
  poller_->setListener(nullptr);  // nothing may reach a half-destroyed reactor from here on
  if (phaseWait_) {
    phaseWait_->reactor = nullptr;
  }
  pool_.stop();
  signals_.uninstall();
  dropDescriptor(waker_.fileno());  // noexcept: a destructor must not throw
}

// ---- time -------------------------------------------------------------------------------------

DelayedCall ReactorImpl::callLater(double now, Seconds delay, UniqueFunction<void()> fn) {
  checkDelay(delay, "callLater");
  return timers_->add(now + delay.count(), std::move(fn));
}

std::vector<DelayedCall> ReactorImpl::getDelayedCalls() const {
  return timers_->pendingCalls();
}

void ReactorImpl::runDueCalls() {
  // Calls scheduled from here on (a zero-delay call made by a running call, say) get a sequence
  // at or past the limit and wait for the next turn, so timers cannot starve I/O.
  // The common turn runs no call: it neither reads the clock when nothing is pending nor
  // settles the heap when nothing is due.
  if (timers_->pendingCount() == 0) {
    return;
  }
  const double now = clock_.seconds();
  if (!timers_->mayHaveDue(now)) {
    return;
  }
  const std::uint64_t limit = timers_->nextSequence();
  while (auto fn = timers_->popDue(now, limit)) {
    try {
      (*fn)();
    } catch (...) {
      log_.failure("callLater", std::current_exception());
    }
  }
}

void ReactorImpl::readyOutsideTurn(const ReadyEvent& event) noexcept {
  // A host's uv_run reported `event`: a turn of one event. dispatch() and runDueCalls() log
  // what user code throws; anything else escaping here would cross libuv's C frames.
  try {
    dispatch(event);
    wakeOutsideTurn();
  } catch (...) {
    log_.failure("uv event outside a reactor turn", std::current_exception());
  }
}

void ReactorImpl::wakeOutsideTurn() noexcept {
  try {
    runDueCalls();
    poller_->setWakeDeadline(timers_->nextDeadline());
  } catch (...) {
    log_.failure("uv wake-up outside a reactor turn", std::current_exception());
  }
}

// ---- the loop ---------------------------------------------------------------------------------

void ReactorImpl::iterate(std::optional<double> timeout) {
  const std::optional<double> next = timers_->nextDeadline();
  std::optional<double> wait = timeout;
  if (next) {
    const double untilNext = std::max(0.0, *next - clock_.seconds());
    wait = wait ? std::min(*wait, untilNext) : untilNext;
  }
  ready_.clear();
  poller_->poll(wait, ready_);
  for (const ReadyEvent& event : ready_) {
    dispatch(event);
  }
  runDueCalls();
  if (embedding_ || backend_ == ReactorBackend::kUv) {
    poller_->setWakeDeadline(timers_->nextDeadline());
  }
}

void ReactorImpl::dispatch(const ReadyEvent& event) {
  // Look the descriptor up again before each call: the previous call may have removed it.
  try {
    if (event.readable) {
      const Watched* entry = findWatched(event.fd);
      if (entry != nullptr && entry->reader != nullptr) {
        entry->reader->doRead();
      }
    }
    if (event.writable) {
      const Watched* entry = findWatched(event.fd);
      if (entry != nullptr && entry->writer != nullptr) {
        entry->writer->doWrite();
      }
    }
  } catch (...) {
    log_.failure(fmt::format("descriptor {}", event.fd), std::current_exception());
    log_.error("removed descriptor {} from the reactor after its callback threw", event.fd);
    dropDescriptor(event.fd);
  }
}

void ReactorImpl::run() {
  if (state_ != State::kStopped) {
    throw ReactorAlreadyRunning("run: the reactor is already running");
  }
  state_ = State::kRunning;

  // Leaves the reactor stopped and the signal dispositions restored however run() ends.
  struct Cleanup {
    ReactorImpl& self;

    explicit Cleanup(ReactorImpl& reactor) : self(reactor) {}

    Cleanup(const Cleanup&) = delete;
    Cleanup& operator=(const Cleanup&) = delete;
    Cleanup(Cleanup&&) = delete;
    Cleanup& operator=(Cleanup&&) = delete;

    ~Cleanup() {
      if (self.isReading(self.signals_)) {
        self.dropDescriptor(self.signals_.fileno());  // noexcept, unlike removeReader
      }
      self.signals_.uninstall();
      self.state_ = State::kStopped;
    }
  };

  const Cleanup cleanup(*this);

  if (installSignalHandlers_) {
    signals_.install();
    addReader(signals_);
  }
  fireSystemEvent(SystemEvent::kStartup, nullptr);
  while (state_ != State::kStopped) {
    iterate(std::nullopt);
  }
}

void ReactorImpl::stop() {
  if (state_ == State::kStopped) {
    throw ReactorNotRunning("stop: the reactor is not running");
  }
  if (state_ == State::kStopping) {
    throw ReactorNotRunning("stop: the reactor is already stopping");
  }
  state_ = State::kStopping;
  // The shutdown sequence runs from the loop's top level, never inside the caller of stop().
  timers_->add(clock_.seconds(), [this] {
    fireSystemEvent(SystemEvent::kShutdown, [this] { state_ = State::kStopped; });
  });
}

void ReactorImpl::crash() noexcept {
  if (phaseWait_) {
    phaseWait_->reactor = nullptr;  // abandon the event in progress
    phaseWait_.reset();
  }
  state_ = State::kStopped;
}

void ReactorImpl::onSignal(int signo) {
  log_.info("received {}, shutting down", signo == SIGINT ? "SIGINT" : "SIGTERM");
  if (state_ == State::kRunning) {
    stop();
  }
}

// ---- triggers ---------------------------------------------------------------------------------

TriggerId ReactorImpl::callWhenRunning(UniqueFunction<void()> fn) {
  if (state_ == State::kRunning) {
    timers_->add(clock_.seconds(), std::move(fn));
    return TriggerId{};
  }
  return addTrigger(
      EventPhase::kAfter, SystemEvent::kStartup,
      [f = std::move(fn)]() mutable -> Deferred<void> {
        f();
        return succeed();
      },
      true);
}

TriggerId ReactorImpl::addTrigger(EventPhase phase, SystemEvent event,
                                  UniqueFunction<Deferred<void>()> fn, bool once) {
  const TriggerId id{nextTriggerId_++};
  triggers_.push_back(Trigger{id, phase, event, once, std::move(fn)});
  return id;
}

void ReactorImpl::removeTrigger(TriggerId id) {
  std::erase_if(triggers_, [id](const Trigger& t) { return t.id == id; });
}

void ReactorImpl::fireSystemEvent(SystemEvent event, UniqueFunction<void()> done) {
  std::vector<Deferred<void>> waiting = runPhase(event, EventPhase::kBefore);
  if (waiting.empty()) {
    finishSystemEvent(event, std::move(done));
    return;
  }
  // Twisted's rule: the "before" triggers' Deferreds hold the rest of the event until they have
  // all fired, successfully or not.
  auto wait = std::make_shared<PhaseWait>();
  wait->reactor = this;
  wait->pending = waiting.size();
  wait->resume = [this, event, done = std::move(done)]() mutable {
    finishSystemEvent(event, std::move(done));
  };
  phaseWait_ = wait;
  for (Deferred<void>& d : waiting) {
    d.addBoth([wait](const Outcome<void>& outcome) {
      if (outcome.failed()) {
        Logger("torsion.reactor").failure("system event trigger", outcome.failure().exception());
      }
      if (--wait->pending == 0 && wait->reactor != nullptr) {
        // Resume from the loop's top level, not inside whoever fired the Deferred.
        ReactorImpl* reactor = wait->reactor;
        reactor->phaseWait_.reset();
        reactor->timers_->add(reactor->clock_.seconds(), std::move(wait->resume));
      }
    });
  }
}

void ReactorImpl::finishSystemEvent(SystemEvent event, UniqueFunction<void()> done) {
  (void)runPhase(event, EventPhase::kDuring);
  if (event == SystemEvent::kShutdown) {
    pool_.stop();  // "during shutdown", as Twisted stops its thread pool
  }
  (void)runPhase(event, EventPhase::kAfter);
  if (done) {
    done();
  }
}

std::vector<Deferred<void>> ReactorImpl::runPhase(SystemEvent event, EventPhase phase) {
  std::vector<Deferred<void>> waiting;
  // Collect the ids first: a trigger may add or remove triggers while it runs.
  std::vector<TriggerId> ids;
  for (const Trigger& t : triggers_) {
    if (t.event == event && t.phase == phase) {
      ids.push_back(t.id);
    }
  }
  for (const TriggerId id : ids) {
    auto it = std::find_if(triggers_.begin(), triggers_.end(),
                           [id](const Trigger& t) { return t.id == id; });
    if (it == triggers_.end()) {
      continue;  // removed by an earlier trigger
    }
    // Move the function out while it runs: it may add triggers, which can move the vector.
    const bool once = it->once;
    UniqueFunction<Deferred<void>()> fn = std::move(it->fn);
    if (once) {
      triggers_.erase(it);
    }
    try {
      Deferred<void> result = fn();
      if (!result.called()) {
        waiting.push_back(std::move(result));
      } else {
        // A trigger that failed at once is logged like one that fails later.
        result.addErrback([this](const Failure& failure) {
          log_.failure("system event trigger", failure.exception());
        });
      }
    } catch (...) {
      log_.failure("system event trigger", std::current_exception());
    }
    if (!once) {
      auto again = std::find_if(triggers_.begin(), triggers_.end(),
                                [id](const Trigger& t) { return t.id == id; });
      if (again != triggers_.end()) {
        again->fn = std::move(fn);
      }
    }
  }
  return waiting;
}

// ---- descriptors ------------------------------------------------------------------------------

ReactorImpl::Watched& ReactorImpl::watched(int fd) {
  const auto at = static_cast<std::size_t>(fd);
  if (at >= watched_.size()) {
    watched_.resize(std::max(at + 1, watched_.size() * 2));
  }
  return watched_[at];
}

const ReactorImpl::Watched* ReactorImpl::findWatched(int fd) const noexcept {
  const auto at = static_cast<std::size_t>(fd);
  return at < watched_.size() ? &watched_[at] : nullptr;
}

void ReactorImpl::checkDescriptor(int fd) {
  if (fd < 0) {
    throw ValueError(fmt::format("descriptor {} is negative", fd));
  }
  if (::fcntl(fd, F_GETFD) == -1) {
    throw ValueError(fmt::format("descriptor {} is not open", fd));
  }
}

void ReactorImpl::setInterest(int fd, Watched& entry, unsigned before) {
  const unsigned after = interestOf(entry.reader, entry.writer);
  if (after != before) {
    poller_->update(fd, before, after);
  }
}

void ReactorImpl::addReader(IReadDescriptor& reader) {
  const int fd = reader.fileno();
  checkDescriptor(fd);
  Watched& entry = watched(fd);
  if (entry.reader == &reader) {
    return;
  }
  if (entry.reader != nullptr) {
    throw ValueError(fmt::format("addReader: descriptor {} already has another reader", fd));
  }
  const unsigned before = interestOf(entry.reader, entry.writer);
  entry.reader = &reader;
  try {
    setInterest(fd, entry, before);
  } catch (...) {
    entry.reader = nullptr;
    throw;
  }
}

void ReactorImpl::addWriter(IWriteDescriptor& writer) {
  const int fd = writer.fileno();
  checkDescriptor(fd);
  Watched& entry = watched(fd);
  if (entry.writer == &writer) {
    return;
  }
  if (entry.writer != nullptr) {
    throw ValueError(fmt::format("addWriter: descriptor {} already has another writer", fd));
  }
  const unsigned before = interestOf(entry.reader, entry.writer);
  entry.writer = &writer;
  try {
    setInterest(fd, entry, before);
  } catch (...) {
    entry.writer = nullptr;
    throw;
  }
}

void ReactorImpl::removeReader(const IReadDescriptor& reader) {
  const int fd = reader.fileno();
  const Watched* found = findWatched(fd);
  if (found == nullptr || found->reader != &reader) {
    throw ValueError(fmt::format("removeReader: descriptor {} is not registered for reading", fd));
  }
  Watched& entry = watched(fd);
  const unsigned before = interestOf(entry.reader, entry.writer);
  entry.reader = nullptr;
  setInterest(fd, entry, before);
}

void ReactorImpl::removeWriter(const IWriteDescriptor& writer) {
  const int fd = writer.fileno();
  const Watched* found = findWatched(fd);
  if (found == nullptr || found->writer != &writer) {
    throw ValueError(fmt::format("removeWriter: descriptor {} is not registered for writing", fd));
  }
  Watched& entry = watched(fd);
  const unsigned before = interestOf(entry.reader, entry.writer);
  entry.writer = nullptr;
  setInterest(fd, entry, before);
}

void ReactorImpl::dropDescriptor(int fd) noexcept {
  const Watched* found = findWatched(fd);
  if (found == nullptr) {
    return;
  }
  Watched& entry = watched(fd);
  const unsigned before = interestOf(entry.reader, entry.writer);
  entry = Watched{};
  try {
    if (before != kInterestNone) {
      poller_->update(fd, before, kInterestNone);
    }
  } catch (...) {  // NOLINT(bugprone-empty-catch): the descriptor may be closed already
  }
}

bool ReactorImpl::isReading(const IReadDescriptor& reader) const {
  const Watched* entry = findWatched(reader.fileno());
  return entry != nullptr && entry->reader == &reader;
}

bool ReactorImpl::isWriting(const IWriteDescriptor& writer) const {
  const Watched* entry = findWatched(writer.fileno());
  return entry != nullptr && entry->writer == &writer;
}

// ---- threads and embedding --------------------------------------------------------------------

void ReactorImpl::suggestThreadPoolSize(std::size_t size) {
  if (size == 0) {
    throw ValueError("suggestThreadPoolSize: size must be at least 1");
  }
  pool_.setMaxThreads(size);
}

int ReactorImpl::embeddingDescriptor() {
  const int fd = poller_->embeddingDescriptor();
  if (fd >= 0 && !embedding_) {
    embedding_ = true;
    timers_->onSchedule([this](double deadline) { poller_->setWakeDeadline(deadline); });
    poller_->setWakeDeadline(timers_->nextDeadline());
  }
  return fd;
}

std::optional<Seconds> ReactorImpl::timeUntilNextCall() {
  if (waker_.pending()) {
    return Seconds{0};
  }
  const std::optional<double> next = timers_->nextDeadline();
  if (!next) {
    return std::nullopt;
  }
  return Seconds{std::max(0.0, *next - clock_.seconds())};
}

}  // namespace torsion::detail
