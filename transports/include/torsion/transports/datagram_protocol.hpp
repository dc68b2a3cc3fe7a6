#pragma once

#include <string_view>

#include <torsion/transports/address.hpp>
#include <torsion/transports/iudp_transport.hpp>

namespace torsion {

namespace detail {
class ProtocolAccess;
}  // namespace detail

/// The base of UDP protocols (Twisted's `DatagramProtocol`).
///
/// Example:
///     class UdpEcho final : public torsion::DatagramProtocol {
///       void datagramReceived(std::string_view data, const torsion::Address& from) override {
///         transport()->write(data, from);
///       }
///     };
///     reactor.listenUDP(9999, std::make_unique<UdpEcho>(), "127.0.0.1");
///
/// Ownership: the UDP port owns its protocol and destroys it after `stopProtocol` returns.
/// `transport()` is valid from `startProtocol` until `stopProtocol` returns.
/// Thread: the reactor's thread only.
/// Re-entrancy: hooks may write and stop the port; a hook that throws is logged and the
/// datagram dropped.
class DatagramProtocol {
 public:
  DatagramProtocol() = default;
  DatagramProtocol(const DatagramProtocol&) = delete;
  DatagramProtocol& operator=(const DatagramProtocol&) = delete;
  DatagramProtocol(DatagramProtocol&&) = delete;
  DatagramProtocol& operator=(DatagramProtocol&&) = delete;
  virtual ~DatagramProtocol() = default;

  /// The port is bound; `transport()` may be used. Runs on a reactor turn after `listenUDP`.
  virtual void startProtocol() {}

  /// The port stopped listening; last call.
  virtual void stopProtocol() {}

  /// A datagram arrived from `addr`. `datagram` is only valid during the call.
  virtual void datagramReceived(std::string_view datagram, const Address& addr) {
    (void)datagram;
    (void)addr;
  }

  /// In connected mode, the peer refused a datagram we sent (ICMP port unreachable).
  virtual void connectionRefused() {}

  /// The port, or null outside `startProtocol`..`stopProtocol`.
  [[nodiscard]] IMulticastTransport* transport() const noexcept { return transport_; }

 private:
  friend class detail::ProtocolAccess;
  IMulticastTransport* transport_ = nullptr;
};

}  // namespace torsion
