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
  /// with a pollable descriptor can make it readable then. Others ignore it.
  virtual void setWakeDeadline(std::optional<double> /*deadline*/) {}

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
