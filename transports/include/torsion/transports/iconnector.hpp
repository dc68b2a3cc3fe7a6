#pragma once

#include <torsion/transports/address.hpp>

namespace torsion {

/// One outgoing connection attempt and the connection it made (Twisted's `IConnector`).
///
/// Ownership: the reactor owns it. The reference `connectTCP`/`connectUNIX` return stays valid
/// until `clientConnectionFailed` or `clientConnectionLost` returns, unless that hook calls
/// `connect()` to try again, which keeps it alive for the new attempt.
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
  /// Does nothing once connected or failed.
  virtual void stopConnecting() = 0;

  /// stopConnecting while connecting; loseConnection on the transport once connected.
  virtual void disconnect() = 0;

  /// Starts a new attempt. Allowed only once the previous one has failed or its connection was
  /// lost, typically from inside `clientConnectionFailed`/`clientConnectionLost`.
  /// @throws ValueError while an attempt or a connection is in progress.
  virtual void connect() = 0;

  /// Where it connects to: the host as given (a name until resolved) and port, or the path.
  [[nodiscard]] virtual Address getDestination() const = 0;
};

}  // namespace torsion
