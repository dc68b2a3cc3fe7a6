#pragma once

#include <memory>

#include <torsion/transports/address.hpp>
#include <torsion/transports/datagram_protocol.hpp>
#include <torsion/transports/factory.hpp>
#include <torsion/transports/ilistening_port.hpp>
#include <torsion/transports/iudp_transport.hpp>

namespace torsion {

/// Adopting sockets opened elsewhere: by systemd socket activation or a parent process
/// (Twisted's `IReactorSocket`).
///
/// Ownership: the reactor duplicates `fd` (with close-on-exec) and owns the duplicate; the
/// caller still owns `fd` and should close it. The socket is made non-blocking (a flag shared
/// with the original, since both refer to one open file).
/// Thread: the reactor's thread only.
class IReactorSocket {
 public:
  IReactorSocket() = default;
  IReactorSocket(const IReactorSocket&) = delete;
  IReactorSocket& operator=(const IReactorSocket&) = delete;
  IReactorSocket(IReactorSocket&&) = delete;
  IReactorSocket& operator=(IReactorSocket&&) = delete;
  virtual ~IReactorSocket() = default;

  /// Accepts connections on a socket that is already bound and listening.
  /// @throws ValueError if `fd` is not a listening stream socket of `family`.
  virtual IListeningPort& adoptStreamPort(int fd, AddressFamily family,
                                          std::shared_ptr<Factory> factory) = 0;

  /// Runs a protocol from `factory` over an already connected stream socket; `connectionMade`
  /// runs on a later turn.
  /// @throws ValueError if `fd` is not a connected stream socket of `family`.
  virtual void adoptStreamConnection(int fd, AddressFamily family,
                                     std::shared_ptr<Factory> factory) = 0;

  /// Runs `protocol` over an already bound datagram socket.
  /// @throws ValueError if `fd` is not a datagram socket of `family`.
  virtual IUDPTransport& adoptDatagramPort(int fd, AddressFamily family,
                                           std::unique_ptr<DatagramProtocol> protocol,
                                           std::size_t maxPacketSize = 8192) = 0;
};

}  // namespace torsion
