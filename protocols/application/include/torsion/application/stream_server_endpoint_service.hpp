#pragma once

#include <cstddef>
#include <memory>
#include <optional>

#include <torsion/application/service.hpp>
#include <torsion/deferred/deferred.hpp>
#include <torsion/reactor/delayed_call.hpp>
#include <torsion/reactor/ireactor_time.hpp>
#include <torsion/transports/factory.hpp>
#include <torsion/transports/ilistening_port.hpp>
#include <torsion/transports/istream_server_endpoint.hpp>

namespace torsion {

namespace detail {
class DrainingFactory;
struct StreamServerLink;
}  // namespace detail

/// How a StreamServerEndpointService ends the connections it accepted when it stops.
struct DrainOptions {
  /// Times the drain; must outlive the service.
  IReactorTime* clock = nullptr;
  /// How long connections get to finish after `loseConnection` before they are aborted.
  Seconds timeout{5.0};
};

/// Listens on an endpoint while running (Twisted's `StreamServerEndpointService`).
///
/// `privilegedStartService` (or `startService`, if that did not run) listens with the factory;
/// `stopService` stops listening and returns a Deferred that fires once the port is closed.
/// Listening is synchronous in torsion, so a CannotListenError comes out of the start call that
/// listened, and the service is then not running.
///
/// Connections: by default, as in Twisted, stopping the service leaves the connections it
/// accepted alone (the reactor closes them at shutdown). With `DrainOptions`, the service tracks
/// its connections (each protocol is wrapped in a ProtocolWrapper, so it sees the wrapper as
/// its transport), and `stopService` also asks each to `loseConnection` (which sends what was
/// written, then closes), aborts those still open after `timeout`, and fires only once the port
/// is closed and every connection is gone: a graceful shutdown bounded in time.
///
/// Example:
///     auto service = std::make_unique<torsion::StreamServerEndpointService>(
///         torsion::serverFromString(reactor, "tcp:8000:interface=127.0.0.1"),
///         torsion::Factory::forProtocol<Echo>());
///     root.addService(std::move(service));
///
/// Ownership: owns the endpoint and shares the factory. The port belongs to the reactor;
///   `port()` is valid while the service is running. Destroying a running service stops
///   listening without waiting and leaves its connections to the reactor.
/// Thread: the reactor's thread only.
class StreamServerEndpointService final : public Service {
 public:
  /// A service listening on `endpoint` with `factory`; `drain` as described above.
  /// @throws ValueError if `endpoint` or `factory` is null, or `drain` has no clock or a
  ///   negative timeout.
  StreamServerEndpointService(std::unique_ptr<IStreamServerEndpoint> endpoint,
                              std::shared_ptr<Factory> factory,
                              std::optional<DrainOptions> drain = std::nullopt);
  ~StreamServerEndpointService() override;

  StreamServerEndpointService(const StreamServerEndpointService&) = delete;
  StreamServerEndpointService& operator=(const StreamServerEndpointService&) = delete;
  StreamServerEndpointService(StreamServerEndpointService&&) = delete;
  StreamServerEndpointService& operator=(StreamServerEndpointService&&) = delete;

  /// Listens, unless already listening.
  /// @throws CannotListenError from the endpoint.
  void privilegedStartService() override;

  /// Listens unless privilegedStartService did, then marks the service running.
  /// @throws CannotListenError from the endpoint (the service stays stopped).
  void startService() override;

  /// Stops listening (and drains, with DrainOptions); the Deferred fires once the port is
  /// closed (and the connections are gone). Already fired when nothing was listening.
  Deferred<void> stopService() override;

  /// The listening port while listening (e.g. to read the port the kernel chose for port 0),
  /// else null.
  [[nodiscard]] IListeningPort* port() const noexcept { return port_; }

  /// How many accepted connections are open now (0 without DrainOptions: they are not
  /// tracked).
  [[nodiscard]] std::size_t connectionCount() const noexcept;

 private:
  friend class detail::DrainingFactory;

  void listen();
  void portClosed();
  void connectionGone();
  void abortRemaining();
  void maybeFinishStop();

  std::unique_ptr<IStreamServerEndpoint> endpoint_;
  std::shared_ptr<Factory> factory_;  // what the port listens with (wrapped when draining)
  std::shared_ptr<detail::DrainingFactory> draining_;
  std::optional<DrainOptions> drain_;
  IListeningPort* port_ = nullptr;
  bool portClosing_ = false;
  std::optional<Deferred<void>> stopping_;  // fired once the stop completed
  DelayedCall drainTimer_;                  // captures `this`; cancelled in the destructor
  DelayedCall finishCall_;                  // captures `this`; cancelled in the destructor
  // Reaches this service from the port's stop callback, which cannot be unregistered; the
  // destructor clears it.
  std::shared_ptr<detail::StreamServerLink> link_;
};

}  // namespace torsion
