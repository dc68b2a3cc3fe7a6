#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include <torsion/transports/datagram_protocol.hpp>
#include <torsion/transports/iudp_transport.hpp>

namespace torsion {

/// UDP sockets (Twisted's `IReactorUDP` and `IReactorMulticast`).
/// Thread: the reactor's thread only.
class IReactorUDP {
 public:
  IReactorUDP() = default;
  IReactorUDP(const IReactorUDP&) = delete;
  IReactorUDP& operator=(const IReactorUDP&) = delete;
  IReactorUDP(IReactorUDP&&) = delete;
  IReactorUDP& operator=(IReactorUDP&&) = delete;
  virtual ~IReactorUDP() = default;

  /// Binds a UDP socket to `port` (0: any) on `interface` ("" for all IPv4 addresses; numeric
  /// IPv6 for IPv6) and hands it to `protocol`, whose `startProtocol` runs on a later turn.
  /// Datagrams longer than `maxPacketSize` are truncated.
  /// @throws CannotListenError naming the address and errno text.
  virtual IUDPTransport& listenUDP(std::uint16_t port, std::unique_ptr<DatagramProtocol> protocol,
                                   const std::string& interface = "",
                                   std::size_t maxPacketSize = 8192) = 0;

  /// As listenUDP, for IPv4 multicast; `listenMultiple` sets SO_REUSEADDR so several sockets
  /// can bind the same group port.
  virtual IMulticastTransport& listenMulticast(std::uint16_t port,
                                               std::unique_ptr<DatagramProtocol> protocol,
                                               const std::string& interface = "",
                                               std::size_t maxPacketSize = 8192,
                                               bool listenMultiple = false) = 0;
};

}  // namespace torsion
