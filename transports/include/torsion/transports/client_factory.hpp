#pragma once

#include <torsion/deferred/failure.hpp>
#include <torsion/transports/factory.hpp>
#include <torsion/transports/iconnector.hpp>

namespace torsion {

/// A Factory for outgoing connections, told how each attempt went (Twisted's `ClientFactory`).
///
/// Ownership: as Factory; the connector keeps a `shared_ptr` to it until it is done (so a
/// connector kept idle by `keepsConnector` also keeps its factory alive).
/// Thread: the reactor's thread only.
/// Re-entrancy: the hooks run from the reactor's top level, never inside `connectTCP`; they may
/// call `connector.connect()` to try again.
class ClientFactory : public Factory {
 public:
  /// An attempt started (after name resolution was scheduled, before the socket connects).
  virtual void startedConnecting(IConnector& connector) { (void)connector; }

  /// The attempt failed. `reason` is a ConnectError: ConnectionRefusedError, NoRouteError,
  /// DNSLookupError, ConnectingTimeoutError, ConnectingCancelledError, or ConnectError itself.
  virtual void clientConnectionFailed(IConnector& connector, const Failure& reason) {
    (void)connector;
    (void)reason;
  }

  /// A connection this connector made was lost; called after the protocol's `connectionLost`.
  virtual void clientConnectionLost(IConnector& connector, const Failure& reason) {
    (void)connector;
    (void)reason;
  }

  /// Whether this factory still needs the connector after `clientConnectionFailed` or
  /// `clientConnectionLost` returned without calling `connector.connect()`: true when it will
  /// call `connect()` later (from a timer, as ReconnectingClientFactory does). Asked by the
  /// connector right after each of those hooks. False (the default): the connector is destroyed
  /// then. True: it stays valid, idle, until `connect()` starts a new attempt or
  /// `stopConnecting()`/`disconnect()` releases it (see IConnector's Ownership).
  [[nodiscard]] virtual bool keepsConnector() const { return false; }
};

}  // namespace torsion
