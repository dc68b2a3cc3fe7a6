#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include <torsion/reactor/delayed_call.hpp>
#include <torsion/reactor/ireactor_core.hpp>
#include <torsion/reactor/ireactor_fdset.hpp>
#include <torsion/reactor/ireactor_threads.hpp>
#include <torsion/reactor/ireactor_time.hpp>

struct uv_loop_s;

namespace torsion {

/// The readiness multiplexers a reactor can run on.
enum class ReactorBackend {
  kEpoll,  ///< Linux epoll: the fast path, and the one whose descriptor a host loop can poll
  kPoll,   ///< POSIX poll(2): portable, O(n) per turn
  kUv,     ///< libuv: runs on its own loop or on a `uv_loop_t` the host owns
};

/// "epoll", "poll" or "uv".
[[nodiscard]] std::string_view backendName(ReactorBackend backend) noexcept;

/// Parses a backend name as printed by `backendName`.
/// @throws ValueError naming the bad text and the accepted names.
[[nodiscard]] ReactorBackend parseReactorBackend(std::string_view name);

/// The backend the environment asks for: `TORSION_REACTOR=epoll|poll|uv`, else epoll.
/// @throws ValueError if TORSION_REACTOR holds anything else.
[[nodiscard]] ReactorBackend defaultReactorBackend();

/// How to build a reactor.
struct ReactorOptions {
  /// The backend; when empty, `defaultReactorBackend()` picks it.
  std::optional<ReactorBackend> backend;

  /// Whether `run()` installs SIGINT/SIGTERM handlers that stop the reactor. Hosts that own
  /// signal handling turn this off.
  bool installSignalHandlers = true;

  /// The most threads `callInThread` runs at once.
  std::size_t threadPoolSize = 10;

  /// For the uv backend: a loop the host owns, to run on instead of a private one. It must
  /// outlive the reactor. Either `run()`/`iterate()` or the host's own `uv_run` may run the loop
  /// (or both, in turn): outside torsion's turns, ready descriptors, due calls and
  /// `callFromThread` are served from inside the host's `uv_run`. While the reactor exists its
  /// handles keep the loop alive. After the reactor is destroyed the loop is usable as before;
  /// the host runs it once (e.g. `uv_run(loop, UV_RUN_NOWAIT)`) to finish closing torsion's
  /// handles before `uv_loop_close`.
  uv_loop_s* uvLoop = nullptr;
};

namespace detail {
class ReactorImpl;
}  // namespace detail

/// The event loop: turns readiness on file descriptors into calls, runs timers, and carries
/// work between threads (the part of Twisted's reactor that knows nothing of sockets).
///
/// `torsion::Reactor` (transports/) is a ReactorCore that also listens and connects (TCP, UDP,
/// UNIX); programs usually make one of those. A ReactorCore alone serves code that needs only
/// time, threads and descriptors. It is a thin composition of a poller backend, the timer queue,
/// a waker for `callFromThread`, a signal watcher and a thread pool; its API is sliced into the
/// IReactor* interfaces so code can ask for just the part it needs (`IReactorTime&` for a
/// timeout).
///
/// Example:
///     torsion::ReactorCore reactor;
///     reactor.callLater(1s, [&reactor] { reactor.stop(); });
///     reactor.run();
///
/// Ownership: the application owns the reactor (as a value or a unique_ptr); there is no global
/// reactor. It must outlive everything registered with it.
/// Thread: every method runs on the thread that runs the reactor, except `callFromThread` and
/// `callInThread`, which any thread may call.
class ReactorCore : public IReactorTime,
                    public IReactorCore,
                    public IReactorFDSet,
                    public IReactorThreads {
 public:
  /// Builds a reactor; see ReactorOptions.
  /// @throws ValueError for a bad TORSION_REACTOR; SystemError if the backend cannot start.
  explicit ReactorCore(ReactorOptions options = {});
  ~ReactorCore() override;

  /// The backend this reactor runs on.
  [[nodiscard]] ReactorBackend backend() const noexcept;

  // IReactorTime
  [[nodiscard]] double seconds() const override;
  DelayedCall callLater(Seconds delay, UniqueFunction<void()> fn) override;
  [[nodiscard]] std::vector<DelayedCall> getDelayedCalls() const override;

  // IReactorCore
  void run() override;
  void stop() override;
  void crash() noexcept override;
  [[nodiscard]] bool running() const noexcept override;
  void iterate(Seconds timeout) override;
  TriggerId callWhenRunning(UniqueFunction<void()> fn) override;
  TriggerId addSystemEventTrigger(EventPhase phase, SystemEvent event,
                                  UniqueFunction<Deferred<void>()> fn) override;
  using IReactorCore::addSystemEventTrigger;
  void removeSystemEventTrigger(TriggerId id) override;

  // IReactorFDSet
  void addReader(IReadDescriptor& reader) override;
  void addWriter(IWriteDescriptor& writer) override;
  void removeReader(IReadDescriptor& reader) override;
  void removeWriter(IWriteDescriptor& writer) override;
  [[nodiscard]] bool isReading(const IReadDescriptor& reader) const override;
  [[nodiscard]] bool isWriting(const IWriteDescriptor& writer) const override;

  // IReactorThreads
  void callFromThread(UniqueFunction<void()> fn) override;
  void callInThread(UniqueFunction<void()> fn) override;
  void suggestThreadPoolSize(std::size_t size) override;

  /// Embedding: a descriptor that is readable whenever the reactor has work (ready I/O, a due
  /// call, a new registration that is ready, a `callFromThread`). A host adds it to its own
  /// poll set and calls `iterate(0s)` when it is readable. Epoll backend only; -1 on the others.
  /// The first call switches the reactor to keep a timerfd in its set, so due calls show too.
  [[nodiscard]] int embeddingDescriptor();

  /// Embedding: how long a host may sleep before the next call is due; nullopt when none is
  /// scheduled, 0 when something is due now.
  [[nodiscard]] std::optional<Seconds> timeUntilNextCall();

  ReactorCore(const ReactorCore&) = delete;
  ReactorCore& operator=(const ReactorCore&) = delete;
  ReactorCore(ReactorCore&&) = delete;
  ReactorCore& operator=(ReactorCore&&) = delete;

 private:
  std::unique_ptr<detail::ReactorImpl> impl_;
};

}  // namespace torsion
