#pragma once

#include <optional>

#include <torsion/deferred/unique_function.hpp>
#include <torsion/reactor/delayed_call.hpp>
#include <torsion/reactor/ireactor_time.hpp>
#include <torsion/transports/protocol.hpp>

namespace torsion {

/// Drops a connection that stayed quiet too long (Twisted's `TimeoutMixin`, as a member
/// rather than a mixin, so any Protocol can hold one).
///
/// `setTimeout(period)` starts (or restarts) the countdown, `resetTimeout()` restarts it (call it
/// when meaningful traffic arrives), `setTimeout(std::nullopt)` or `cancel()` stops it. When it
/// runs out, the `timeoutConnection` callback given to the constructor runs; without one, the
/// protocol's transport is told to `loseConnection`. The countdown is one-shot: after it fired,
/// `resetTimeout` does nothing until `setTimeout` arms it again (as in Twisted).
///
/// Example:
///     class Chat final : public torsion::LineReceiver {
///      public:
///       explicit Chat(torsion::IReactorTime& clock) : idle_(clock, *this) {}
///       void connectionMade() override { idle_.setTimeout(std::chrono::seconds{30}); }
///       void lineReceived(std::string_view line) override { idle_.resetTimeout(); ... }
///       void connectionLost(const torsion::Failure&) override { idle_.cancel(); }
///      private:
///       torsion::IdleTimeout idle_;
///     };
///
/// Ownership: refers to `clock` and `protocol` without owning them; both must outlive it, which
/// holds when it is a member of that protocol. Its scheduled call captures `this`, and it
/// cancels that call itself: the owning protocol's `connectionLost` should call `cancel()`
/// (the transport is gone from then on), and the destructor cancels anyway.
/// Thread: the reactor's thread only.
/// Re-entrancy: the callback may call any method here, including `setTimeout` to re-arm.
class IdleTimeout {
 public:
  /// A stopped timeout for `protocol`, timed by `clock`. `timeoutConnection`, when given,
  /// replaces the default action (losing the protocol's connection, if it has one).
  IdleTimeout(IReactorTime& clock, Protocol& protocol,
              UniqueFunction<void()> timeoutConnection = {});

  IdleTimeout(const IdleTimeout&) = delete;
  IdleTimeout& operator=(const IdleTimeout&) = delete;
  IdleTimeout(IdleTimeout&&) = delete;
  IdleTimeout& operator=(IdleTimeout&&) = delete;

  /// Cancels the countdown.
  ~IdleTimeout();

  /// Sets the period and (re)starts the countdown from now, or stops it with std::nullopt.
  /// Returns the previous period (Twisted's `setTimeout`).
  /// @throws ValueError if `period` is negative or NaN.
  std::optional<Seconds> setTimeout(std::optional<Seconds> period);

  /// Restarts the countdown from now. Does nothing if it is stopped or has fired.
  void resetTimeout();

  /// Stops the countdown and forgets the period; the same as `setTimeout(std::nullopt)`.
  void cancel() noexcept;

  /// The period, or std::nullopt when none is set (Twisted's `timeOut`).
  [[nodiscard]] std::optional<Seconds> timeout() const noexcept { return period_; }

  /// True while the countdown runs.
  [[nodiscard]] bool active() const noexcept { return call_.active(); }

 private:
  void timedOut();

  IReactorTime* clock_;
  Protocol* protocol_;
  UniqueFunction<void()> timeoutConnection_;
  std::optional<Seconds> period_;
  DelayedCall call_;
};

}  // namespace torsion
