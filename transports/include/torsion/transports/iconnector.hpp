#pragma once

#include <torsion/transports/address.hpp>

namespace torsion {

/// One outgoing connection attempt and the connection it made (Twisted's `IConnector`).
///
/// Ownership: the reactor owns it. The reference `connectTCP`/`connectUNIX` return (and the one
/// the factory's hooks get) stays valid while an attempt or its connection is in progress, and
/// until `clientConnectionFailed` or `clientConnectionLost` returns. Then the connector is
/// destroyed, unless the hook called `connect()` to try again (it lives on for the new attempt)
/// or the factory's `ClientFactory::keepsConnector()` returns true: the connector then stays,
/// idle (no socket, no timer), so the factory may call `connect()` on it later, until
///   - `connect()` starts a new attempt (the rules above apply again), or
///   - `stopConnecting()` or `disconnect()` releases it: it is destroyed on a later reactor turn,
///     never inside that call, or
///   - the reactor is destroyed. (Reactor shutdown leaves a kept connector alone: it holds
///     nothing open, and its factory may still reconnect if the reactor runs again.)
/// A kept connector keeps its factory alive (ClientFactory), and the factory refers to the
/// connector: the factory breaks that cycle by releasing the connector when it stops retrying
/// (ReconnectingClientFactory::stopTrying), or by its hooks no longer keeping it.
/// Thread: the reactor's thread only.
class IConnector {
 public:
  IConnector() = default;
  IConnector(const IConnector&) = delete;
  IConnector& operator=(const IConnector&) = delete;
  IConnector(IConnector&&) = delete;
  IConnector& operator=(IConnector&&) = delete;
  virtual ~IConnector() = default;

  /// Abandons the attempt while it is still connecting; the factory's
  /// `clientConnectionFailed` then gets ConnectingCancelledError (later, not inside this call).
  /// On a connector kept idle for its factory, releases it (see Ownership). Does nothing else
  /// once connected or failed.
  virtual void stopConnecting() = 0;

  /// stopConnecting while connecting or kept idle; loseConnection on the transport once
  /// connected.
  virtual void disconnect() = 0;

  /// Starts a new attempt. Allowed only once the previous one has failed or its connection was
  /// lost, typically from inside `clientConnectionFailed`/`clientConnectionLost`.
  /// @throws ValueError while an attempt or a connection is in progress.
  virtual void connect() = 0;

  /// Where it connects to: the host as given (a name until resolved) and port, or the path.
  [[nodiscard]] virtual Address getDestination() const = 0;
};

}  // namespace torsion
