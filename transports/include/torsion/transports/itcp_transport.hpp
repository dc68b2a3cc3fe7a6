#pragma once

#include <torsion/transports/itransport.hpp>

namespace torsion {

/// A stream socket transport: TCP, and UNIX stream sockets for the half-close part (Twisted's
/// `ITCPTransport`). Reach it from a protocol with `dynamic_cast<ITCPTransport*>(transport())`.
///
/// Thread: the reactor's thread only.
class ITCPTransport : public ITransport {
 public:
  /// Half-close: sends FIN after everything already written has been sent, and keeps reading.
  /// Further writes are ignored. If the peer has already half-closed, the connection ends with
  /// ConnectionDone once the FIN is sent.
  virtual void loseWriteConnection() = 0;

  /// Turns Nagle's algorithm off (true) or on (false).
  /// @throws ValueError on a socket that is not TCP (a UNIX socket).
  virtual void setTcpNoDelay(bool enabled) = 0;

  /// Whether Nagle's algorithm is off; false on a UNIX socket.
  [[nodiscard]] virtual bool getTcpNoDelay() const = 0;

  /// Turns TCP keep-alive probes on or off.
  /// @throws ValueError on a socket that is not TCP (a UNIX socket).
  virtual void setTcpKeepAlive(bool enabled) = 0;

  /// Whether keep-alive probes are on; false on a UNIX socket.
  [[nodiscard]] virtual bool getTcpKeepAlive() const = 0;
};

}  // namespace torsion
