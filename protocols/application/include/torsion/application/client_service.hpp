#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include <torsion/application/backoff_policy.hpp>
#include <torsion/application/service.hpp>
#include <torsion/deferred/deferred.hpp>
#include <torsion/deferred/failure.hpp>
#include <torsion/reactor/delayed_call.hpp>
#include <torsion/reactor/ireactor_time.hpp>
#include <torsion/transports/factory.hpp>
#include <torsion/transports/iconnector.hpp>
#include <torsion/transports/istream_client_endpoint.hpp>
#include <torsion/transports/protocol.hpp>

namespace torsion {

namespace detail {
class ClientServiceFactory;
class ClientServiceWrapper;
struct ClientServiceLink;
}  // namespace detail

/// Options for a ClientService.
struct ClientServiceOptions {
  /// The delay before attempt number N after N failures (or a lost connection); empty means
  /// `backoffPolicy()` with Twisted's defaults.
  RetryPolicy retryPolicy;
};

/// Keeps one connection to an endpoint up while running (Twisted's `ClientService`).
///
/// `startService` connects. When the attempt fails, or the connection is lost later, it waits
/// `retryPolicy(failures)` and tries again; a successful connection resets the count.
/// `whenConnected()` hands out the connected protocol. `stopService` cancels a pending retry or
/// attempt, closes the connection (`loseConnection`), fails every waiting `whenConnected`
/// Deferred with CancelledError, and fires once the connection is closed.
///
/// Each protocol the factory builds is wrapped in a ProtocolWrapper (that is how the service
/// sees `connectionLost`), so the protocol's `transport()` is the wrapper: an ITransport, not an
/// ITCPTransport, and not half-closeable.
///
/// Example:
///     auto client = std::make_unique<torsion::ClientService>(
///         torsion::clientFromString(reactor, "tcp:host=127.0.0.1:port=8000"),
///         torsion::Factory::forProtocol<Chat>(), reactor);
///     client->whenConnected().addCallback([](torsion::Protocol* p) { ... });
///     root.addService(std::move(client));
///
/// Ownership: owns the endpoint, shares the factory; the clock must outlive the service. The
///   protocol pointer `whenConnected` gives is valid until that protocol's `connectionLost`
///   returns. Destroying the service abandons a pending attempt, closes the connection without
///   waiting, and fails waiting `whenConnected` Deferreds with CancelledError.
/// Thread: the reactor's thread only.
/// Re-entrancy: callbacks on `whenConnected` Deferreds run inside the reactor turn that made
///   the connection, right after the protocol's `connectionMade`; they may stop the service.
class ClientService final : public Service {
 public:
  /// A service connecting to `endpoint` with protocols from `factory`, timed by `clock`.
  /// @throws ValueError if `endpoint` or `factory` is null.
  ClientService(std::unique_ptr<IStreamClientEndpoint> endpoint, std::shared_ptr<Factory> factory,
                IReactorTime& clock, ClientServiceOptions options = {});
  ~ClientService() override;

  ClientService(const ClientService&) = delete;
  ClientService& operator=(const ClientService&) = delete;
  ClientService(ClientService&&) = delete;
  ClientService& operator=(ClientService&&) = delete;

  /// Marks the service running and starts connecting (unless already connecting or connected).
  void startService() override;

  /// Stops connecting and closes the connection; see the class comment.
  Deferred<void> stopService() override;

  /// The current protocol: fired now if connected, else when the next connection is made.
  /// With `failAfterFailures` = N, the Deferred instead fails with the connection error once N
  /// attempts in a row have failed from now (1: the next failure). It fails with CancelledError
  /// if the service is stopped before (or was stopped, and not restarted).
  [[nodiscard]] Deferred<Protocol*> whenConnected(
      std::optional<int> failAfterFailures = std::nullopt);

  /// The connected protocol, or null.
  [[nodiscard]] Protocol* connectedProtocol() const noexcept;

  /// Consecutive failed attempts (and lost connections) since the last successful connection.
  [[nodiscard]] int failedAttempts() const noexcept { return failedAttempts_; }

 private:
  friend class detail::ClientServiceWrapper;
  friend class detail::ClientServiceFactory;

  enum class State : std::uint8_t {
    kIdle,           ///< never started
    kConnecting,     ///< an attempt is in progress
    kConnected,      ///< a connection is up
    kWaiting,        ///< waiting for the retry call
    kDisconnecting,  ///< stopping: waiting for the attempt to end or the connection to close
    kRestarting,     ///< started again while disconnecting: connect once that ends
    kStopped,        ///< stopped
  };

  struct Waiter {
    Deferred<Protocol*> deferred;
    std::optional<int> remaining;
  };

  void connect();
  void connectionMade(detail::ClientServiceWrapper& wrapper);
  void connectionFailed(const Failure& reason);
  void connectionLost(detail::ClientServiceWrapper& wrapper);
  void scheduleRetry();
  void finishStopping();
  void cancelWaiters();
  void notifyWaiters(Protocol* protocol);
  void failWaiters(const Failure& reason);

  std::unique_ptr<IStreamClientEndpoint> endpoint_;
  std::shared_ptr<detail::ClientServiceFactory> factory_;
  IReactorTime& clock_;
  RetryPolicy retryPolicy_;
  State state_ = State::kIdle;
  int failedAttempts_ = 0;
  IConnector* connector_ = nullptr;                  // the attempt in progress, while connecting
  detail::ClientServiceWrapper* current_ = nullptr;  // the connection that is up
  DelayedCall retryCall_;                            // captures `this`; cancelled in ~
  std::vector<Waiter> waiters_;
  std::vector<Deferred<void>> stopWaiters_;
  // Reaches this service from the endpoint's callbacks and the wrappers, which may outlive it;
  // the destructor clears it.
  std::shared_ptr<detail::ClientServiceLink> link_;
};

}  // namespace torsion
