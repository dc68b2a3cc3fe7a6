#pragma once

#include <optional>
#include <string_view>
#include <vector>

namespace torsion::detail {

/// What a descriptor is watched for; a bit set.
enum Interest : unsigned { kInterestNone = 0, kInterestRead = 1, kInterestWrite = 2 };

/// One descriptor's readiness, as reported by a poller. Errors and hang-ups are reported as
/// both readable and writable, so whoever is watching finds out on its next read or write.
struct ReadyEvent {
  int fd;
  bool readable;
  bool writable;
};

/// Where a poller delivers what happens outside `IPoller::poll`. Only a backend whose loop can
/// turn without the reactor (uv on a loop the host runs with its own `uv_run`) calls it; the
/// others report everything from `poll`. The reactor implements it.
///
/// Re-entrancy: called from inside the host's `uv_run`, never inside a reactor turn, so the
/// reactor may run user code from it. Neither method may throw: a libuv callback is a C frame.
class IPollerListener {
 public:
  IPollerListener() = default;
  IPollerListener(const IPollerListener&) = delete;
  IPollerListener& operator=(const IPollerListener&) = delete;
  IPollerListener(IPollerListener&&) = delete;
  IPollerListener& operator=(IPollerListener&&) = delete;
  virtual ~IPollerListener() = default;

  /// `event` happened while no turn was collecting: dispatch it now, then run the calls that
  /// fell due and re-arm the wake deadline, as a turn would.
  virtual void readyOutsideTurn(const ReadyEvent& event) noexcept = 0;

  /// The wake deadline passed while no turn was running: run due calls and re-arm.
  virtual void wakeOutsideTurn() noexcept = 0;
};

/// A readiness multiplexer: the only part of the reactor that differs between backends.
///
/// It knows nothing of timers, threads or descriptors' owners; the reactor tells it which
/// descriptors to watch for what, and asks what is ready.
class IPoller {
 public:
  IPoller() = default;
  IPoller(const IPoller&) = delete;
  IPoller& operator=(const IPoller&) = delete;
  IPoller(IPoller&&) = delete;
  IPoller& operator=(IPoller&&) = delete;
  virtual ~IPoller() = default;

  /// Changes what `fd` is watched for, from `before` to `after` (either may be none). Applied at
  /// once, so a descriptor that is already ready shows in the next `poll`.
  /// @throws SystemError if the backend refuses the descriptor.
  virtual void update(int fd, unsigned before, unsigned after) = 0;

  /// Waits up to `timeout` seconds (nullopt: without limit, 0: not at all) and appends what is
  /// ready to `ready`. Returns early on EINTR.
  virtual void poll(std::optional<double> timeout, std::vector<ReadyEvent>& ready) = 0;

  /// Tells the backend when the next call is due on the monotonic `seconds()` scale, so a backend
  /// with a pollable descriptor can make it readable then, and one whose host may run the loop
  /// (uv) wakes that loop then. Others ignore it. Only ever moves the wake-up earlier; one that is
  /// too early costs a turn that finds nothing due and re-arms.
  virtual void setWakeDeadline(std::optional<double> /*deadline*/) {}

  /// Installs where readiness and wake-ups that happen outside `poll` go (null: dropped). Only
  /// the uv backend has any; the listener must outlive the poller or be reset first.
  virtual void setListener(IPollerListener* /*listener*/) {}

  /// A descriptor that is readable whenever `poll(0)` would report something, or -1.
  /// The first call may switch the backend into embedding mode.
  virtual int embeddingDescriptor() { return -1; }

  /// "epoll", "poll" or "uv".
  [[nodiscard]] virtual std::string_view name() const noexcept = 0;
};

/// Milliseconds for poll(2)/epoll_wait: rounded up so a sleep never ends before a deadline,
/// -1 for no limit.
[[nodiscard]] int timeoutMilliseconds(std::optional<double> timeout) noexcept;

}  // namespace torsion::detail
