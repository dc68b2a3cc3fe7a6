#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <torsion/transports/address.hpp>
#include <torsion/transports/ilistening_port.hpp>

namespace torsion {

/// A bound UDP socket (Twisted's `IUDPTransport`); also the port `listenUDP` returns.
///
/// Ownership: the reactor owns it and the DatagramProtocol it was given; see IListeningPort for
/// how long the reference stays valid. The protocol's `transport()` is valid from
/// `startProtocol` until `stopProtocol` returns.
/// Thread: the reactor's thread only.
class IUDPTransport : public IListeningPort {
 public:
  /// Sends one datagram to `addr` (numeric host). A datagram the kernel cannot queue now
  /// (EAGAIN) is dropped, as UDP may. Returns true if it was handed to the kernel.
  /// @throws MessageLengthError if it is too long; ValueError in connected mode, or if `addr`
  ///   is not numeric or of the wrong family.
  virtual bool write(std::string_view datagram, const Address& addr) = 0;

  /// Sends one datagram to the connected peer (connected mode only).
  /// @throws MessageLengthError if it is too long; ValueError when not connected.
  virtual bool write(std::string_view datagram) = 0;

  /// Connected mode: only `host:port` (numeric) may send to us, and `write(datagram)` sends to
  /// it. If the peer refuses a datagram, the protocol's `connectionRefused` is called.
  /// @throws ValueError if already connected or `host` is not numeric.
  virtual void connect(const std::string& host, std::uint16_t port) = 0;

  /// Allows or forbids sending to broadcast addresses (SO_BROADCAST).
  virtual void setBroadcastAllowed(bool enabled) = 0;

  /// Whether broadcast is allowed.
  [[nodiscard]] virtual bool getBroadcastAllowed() const = 0;
};

/// A UDP socket that can join IPv4 multicast groups (Twisted's `IMulticastTransport`).
/// Thread: the reactor's thread only.
class IMulticastTransport : public IUDPTransport {
 public:
  /// Joins the group `group` on the interface with address `interface` ("" for the default).
  /// @throws MulticastJoinError naming the errno text.
  virtual void joinGroup(const std::string& group, const std::string& interface = "") = 0;

  /// Leaves a group joined before.
  /// @throws MulticastJoinError naming the errno text.
  virtual void leaveGroup(const std::string& group, const std::string& interface = "") = 0;

  /// Sets the time-to-live of outgoing multicast datagrams (IP_MULTICAST_TTL).
  virtual void setTTL(int ttl) = 0;

  [[nodiscard]] virtual int getTTL() const = 0;

  /// Whether our own multicast datagrams are looped back to us (IP_MULTICAST_LOOP).
  virtual void setLoopbackMode(bool enabled) = 0;

  [[nodiscard]] virtual bool getLoopbackMode() const = 0;

  /// Sends multicast datagrams out of the interface with this address (IP_MULTICAST_IF).
  /// @throws ValueError if `interface` is not a numeric IPv4 address.
  virtual void setOutgoingInterface(const std::string& interface) = 0;

  /// The outgoing interface's address, "0.0.0.0" for the default.
  [[nodiscard]] virtual std::string getOutgoingInterface() const = 0;
};

}  // namespace torsion
