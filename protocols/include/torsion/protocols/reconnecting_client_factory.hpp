#pragma once

#include <optional>

#include <torsion/deferred/failure.hpp>
#include <torsion/deferred/logger.hpp>
#include <torsion/deferred/unique_function.hpp>
#include <torsion/reactor/delayed_call.hpp>
#include <torsion/reactor/ireactor_time.hpp>
#include <torsion/transports/client_factory.hpp>
#include <torsion/transports/iconnector.hpp>

namespace torsion {

/// How a ReconnectingClientFactory spaces its attempts. The defaults are Twisted's.
struct ReconnectOptions {
  /// The delay the back-off starts from. The first retry waits `initialDelay * factor`
  /// (jittered), as in Twisted, where the delay grows before each retry.
  Seconds initialDelay{1.0};

  /// How much the delay grows per retry (Twisted's e).
  double factor = 2.7182818284590451;

  /// The standard deviation of the jitter, as a fraction of the delay (Twisted's value): each
  /// delay is drawn from a normal distribution around the grown delay. 0 turns jitter off.
  double jitter = 0.119626565582;

  /// The delay stops growing here (one hour). Jitter is applied after the cap, as in Twisted,
  /// so a delay may land a little above it.
  Seconds maxDelay{3600.0};

  /// Consecutive failed attempts after which the factory gives up; unset: never.
  std::optional<int> maxRetries;
};

/// A ClientFactory that reconnects with exponential back-off when a connection attempt fails or
/// a connection is lost (Twisted's `ReconnectingClientFactory`).
///
/// Subclass it and implement `buildProtocol`; call `resetDelay()` there, as Twisted's howto does,
/// so that a successful connection starts the back-off afresh (the factory cannot know by itself
/// when a connection counts as good; call it from the protocol's `connectionMade`, or after a
/// handshake, if that suits better). Subclasses that override `clientConnectionFailed` or
/// `clientConnectionLost` call the base to keep retrying.
///
/// Each retry grows the delay: `delay = min(delay * factor, maxDelay)`, then jitters it with a
/// normal variate `z` from the random source: `delay += delay * jitter * z` (never below 0), and
/// schedules `connector.connect()` after it on the clock. `stopTrying()` cancels a scheduled
/// retry, stops the attempt in progress, and prevents further retries until `resetDelay()`.
///
/// Example:
///     class Client final : public torsion::ReconnectingClientFactory {
///      public:
///       using ReconnectingClientFactory::ReconnectingClientFactory;
///       std::unique_ptr<torsion::Protocol> buildProtocol(const torsion::Address&) override {
///         resetDelay();
///         return std::make_unique<Chat>();
///       }
///     };
///     reactor.connectTCP("127.0.0.1", 8000, std::make_shared<Client>(reactor));
///
/// Ownership: refers to `clock`, which must outlive it; its retry call captures `this` and is
/// cancelled by `stopTrying` and by the destructor. Between attempts it keeps a pointer to the
/// connector of the last attempt and calls `connect()` on it later; `keepsConnector()` is true
/// while that retry is scheduled, so the Reactor keeps the idle connector valid until then
/// (see IConnector's Ownership; MemoryReactor keeps its connectors anyway). The kept connector
/// in turn keeps this factory alive, so a factory that is retrying lives on even if the
/// application dropped its own reference; `stopTrying` (which releases the connector), giving up
/// after `maxRetries`, or destroying the reactor ends that.
/// Thread: the reactor's thread only.
/// Re-entrancy: the hooks run from the connector; `stopTrying` and `resetDelay` may be called
/// from anywhere on the reactor's thread, including protocol hooks.
class ReconnectingClientFactory : public ClientFactory {
 public:
  /// A factory that schedules its retries on `clock`. `normalVariate` returns draws from the
  /// standard normal distribution (mean 0, standard deviation 1) for the jitter; without it, a
  /// std::mt19937 seeded from std::random_device is used. Tests pass a fixed sequence.
  /// @throws ValueError if an option is negative or NaN, or `factor` is below 1.
  explicit ReconnectingClientFactory(IReactorTime& clock, ReconnectOptions options = {},
                                     UniqueFunction<double()> normalVariate = {});

  /// Cancels a scheduled retry.
  ~ReconnectingClientFactory() override;

  ReconnectingClientFactory(const ReconnectingClientFactory&) = delete;
  ReconnectingClientFactory& operator=(const ReconnectingClientFactory&) = delete;
  ReconnectingClientFactory(ReconnectingClientFactory&&) = delete;
  ReconnectingClientFactory& operator=(ReconnectingClientFactory&&) = delete;

  /// Remembers the connector, so `stopTrying` can stop the attempt in progress.
  void startedConnecting(IConnector& connector) override;

  /// Retries through `connector`, unless `stopTrying` was called.
  void clientConnectionFailed(IConnector& connector, const Failure& reason) override;

  /// Retries through `connector`, unless `stopTrying` was called.
  void clientConnectionLost(IConnector& connector, const Failure& reason) override;

  /// True while a retry is scheduled: the connector must stay valid for it.
  [[nodiscard]] bool keepsConnector() const override { return retryCall_.active(); }

  /// Schedules `connector.connect()` after the next delay, unless `stopTrying` was called or
  /// `maxRetries` consecutive retries were already made (then it logs and gives up).
  void retry(IConnector& connector);

  /// `retry` with the connector of the last attempt.
  /// @throws ValueError if there is none yet.
  void retry();

  /// Cancels a scheduled retry, stops the attempt in progress (`stopConnecting`, which also
  /// releases a connector kept idle for the retry), forgets the connector, and makes the
  /// factory stop retrying.
  void stopTrying();

  /// Starts the back-off afresh: the delay goes back to `initialDelay`, the retry count to 0,
  /// and retrying is on again. Call it once a connection succeeded.
  void resetDelay();

  /// The delay of the last scheduled retry (`initialDelay` before the first).
  [[nodiscard]] Seconds delay() const noexcept { return delay_; }

  /// Consecutive retries so far (Twisted's `retries`).
  [[nodiscard]] int retries() const noexcept { return retries_; }

  /// False after `stopTrying`, until `resetDelay` (Twisted's `continueTrying`).
  [[nodiscard]] bool continueTrying() const noexcept { return continueTrying_; }

  /// True while a retry is scheduled.
  [[nodiscard]] bool retryPending() const noexcept { return retryCall_.active(); }

  /// The scheduled retry (inactive when none is).
  [[nodiscard]] const DelayedCall& retryCall() const noexcept { return retryCall_; }

  /// The connector of the last attempt, or null: before the first attempt, and once the factory
  /// let the connector go (`stopTrying`, or a hook that scheduled no retry), since it may be
  /// destroyed then.
  [[nodiscard]] IConnector* connector() const noexcept { return connector_; }

  /// The back-off settings.
  [[nodiscard]] const ReconnectOptions& options() const noexcept { return options_; }

 private:
  void cancelRetry() noexcept;
  void forgetConnectorUnlessRetrying() noexcept;

  IReactorTime& clock_;
  ReconnectOptions options_;
  UniqueFunction<double()> normalVariate_;
  Seconds delay_;
  int retries_ = 0;
  bool continueTrying_ = true;
  IConnector* connector_ = nullptr;
  DelayedCall retryCall_;
  Logger log_{"torsion.protocols.reconnect"};
};

}  // namespace torsion
