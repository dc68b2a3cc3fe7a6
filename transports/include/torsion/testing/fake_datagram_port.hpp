#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <torsion/deferred/unique_function.hpp>
#include <torsion/transports/address.hpp>
#include <torsion/transports/datagram_protocol.hpp>
#include <torsion/transports/iudp_transport.hpp>

namespace torsion::testing {

class MemoryReactor;

/// One datagram a FakeDatagramPort was asked to send.
struct SentDatagram {
  std::string data;
  /// The destination given to `write(data, addr)`; for `write(data)` in connected mode, the
  /// connected peer.
  Address to;
};

/// The UDP port a MemoryReactor returns from listenUDP, listenMulticast and adoptDatagramPort
/// (Twisted's `FakeDatagramTransport`, grown to the whole IMulticastTransport): it owns the
/// DatagramProtocol, records what is sent and the options set, and lets the test play incoming
/// datagrams with `receive`.
///
/// As on the real port, the protocol's `startProtocol` runs on a later turn (MemoryReactor's
/// `runPending`, or MemoryReactorClock's next clock step), with `transport()` set; and
/// stopListening runs `stopProtocol`, detaches the protocol and then calls its callback on a
/// later turn.
///
/// Ownership: the MemoryReactor owns it; it owns its protocol for the reactor's lifetime.
/// Thread: one thread, the test's.
class FakeDatagramPort final : public IMulticastTransport {
 public:
  /// The largest IPv4 UDP payload; longer writes throw MessageLengthError, as the kernel says.
  static constexpr std::size_t kMaxDatagram = 65507;

  /// Made by MemoryReactor.
  FakeDatagramPort(MemoryReactor& reactor, Address host, std::unique_ptr<DatagramProtocol> protocol,
                   std::size_t maxPacketSize);
  ~FakeDatagramPort() override;

  FakeDatagramPort(const FakeDatagramPort&) = delete;
  FakeDatagramPort& operator=(const FakeDatagramPort&) = delete;
  FakeDatagramPort(FakeDatagramPort&&) = delete;
  FakeDatagramPort& operator=(FakeDatagramPort&&) = delete;

  // ---- IListeningPort ------------------------------------------------------------------------

  /// Stops now (`listening()` false); stopProtocol and `onStopped` run on a later turn. A second
  /// call does nothing.
  void stopListening(UniqueFunction<void()> onStopped = nullptr) override;

  [[nodiscard]] Address getHost() const override { return host_; }

  // ---- IUDPTransport -------------------------------------------------------------------------

  /// Records the datagram; returns true.
  /// @throws MessageLengthError above kMaxDatagram; ValueError in connected mode.
  bool write(std::string_view datagram, const Address& addr) override;

  /// Records the datagram, addressed to the connected peer; returns true.
  /// @throws MessageLengthError above kMaxDatagram; ValueError when not connected.
  bool write(std::string_view datagram) override;

  /// Records the peer; `connectedPeer()` then returns it.
  /// @throws ValueError if already connected.
  void connect(const std::string& host, std::uint16_t port) override;

  void setBroadcastAllowed(bool enabled) override { broadcast_ = enabled; }

  [[nodiscard]] bool getBroadcastAllowed() const override { return broadcast_; }

  // ---- IMulticastTransport -------------------------------------------------------------------

  /// Records the group.
  /// @throws MulticastJoinError if that group is already joined on that interface.
  void joinGroup(const std::string& group, const std::string& interface = "") override;

  /// Forgets the group.
  /// @throws MulticastJoinError if it was not joined on that interface.
  void leaveGroup(const std::string& group, const std::string& interface = "") override;

  void setTTL(int ttl) override { ttl_ = ttl; }

  [[nodiscard]] int getTTL() const override { return ttl_; }

  void setLoopbackMode(bool enabled) override { loopback_ = enabled; }

  [[nodiscard]] bool getLoopbackMode() const override { return loopback_; }

  /// Records the interface.
  void setOutgoingInterface(const std::string& interface) override { outgoing_ = interface; }

  [[nodiscard]] std::string getOutgoingInterface() const override { return outgoing_; }

  // ---- what the test drives and inspects -----------------------------------------------------

  /// Plays a datagram arriving from `from`: calls the protocol's datagramReceived now, truncated
  /// to the maxPacketSize the port was opened with.
  void receive(std::string_view datagram, const Address& from);

  /// Every datagram written, oldest first.
  [[nodiscard]] const std::vector<SentDatagram>& written() const noexcept { return written_; }

  /// Forgets the datagrams written so far.
  void clearWritten() noexcept { written_.clear(); }

  /// The protocol the port owns.
  [[nodiscard]] DatagramProtocol& protocol() const noexcept { return *protocol_; }

  /// The largest datagram `receive` delivers whole.
  [[nodiscard]] std::size_t maxPacketSize() const noexcept { return maxPacketSize_; }

  /// The peer of connected mode, if `connect` was called.
  [[nodiscard]] const std::optional<Address>& connectedPeer() const noexcept { return peer_; }

  /// The multicast groups joined, as (group, interface) pairs, in join order.
  [[nodiscard]] const std::vector<std::pair<std::string, std::string>>& groups() const noexcept {
    return groups_;
  }

  /// True between startProtocol and stopProtocol.
  [[nodiscard]] bool started() const noexcept { return started_; }

  /// True until stopListening.
  [[nodiscard]] bool listening() const noexcept { return listening_; }

 private:
  friend class MemoryReactor;
  void start();
  void record(std::string_view datagram, const Address& to);

  MemoryReactor& reactor_;
  Address host_;
  std::unique_ptr<DatagramProtocol> protocol_;
  std::size_t maxPacketSize_;
  std::vector<SentDatagram> written_;
  std::optional<Address> peer_;
  std::vector<std::pair<std::string, std::string>> groups_;
  bool broadcast_ = false;
  int ttl_ = 1;
  bool loopback_ = true;
  std::string outgoing_ = "0.0.0.0";
  bool started_ = false;
  bool listening_ = true;
};

}  // namespace torsion::testing
