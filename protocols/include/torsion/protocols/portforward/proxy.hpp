#pragma once

#include <string_view>

#include <torsion/deferred/failure.hpp>
#include <torsion/transports/ihalf_closeable_protocol.hpp>
#include <torsion/transports/itransport.hpp>
#include <torsion/transports/protocol.hpp>

namespace torsion {

/// One side of a forwarded connection: it writes every byte it receives to its peer's transport
/// and ends the peer when it ends (Twisted's `portforward.Proxy`). ProxyServer (the accepted
/// side) and ProxyClient (the side connected to the backend) are the two concrete kinds.
///
/// Flow control: once both sides are up, each transport is registered as the other's streaming
/// producer (see ProxyClient), so a peer that reads slowly fills its transport's write buffer,
/// which pauses reading on this side's transport until it drains below the low watermark. Memory
/// therefore stays bounded by the two write buffers' watermarks, whatever the traffic.
///
/// Closing: when this side's connection is lost, the peer's transport unregisters this side's
/// transport as its producer (which a transport requires before it finishes a loseConnection,
/// and which this transport, about to be destroyed, must not outlive as a producer) and is then
/// told to `loseConnection`, so the bytes already written to it are flushed before it closes.
/// Half-close: a FIN from this side's peer (`readConnectionLost`) becomes `loseWriteConnection`
/// on the other transport when it is an ITCPTransport, so each direction ends on its own, as
/// through a plain TCP relay; when the other transport cannot half-close (a ProtocolWrapper, for
/// one), the FIN ends the forwarded connection instead: the other side flushes and closes, then
/// this one, and bytes the other side's peer sends after that are dropped (Twisted's proxy,
/// which is not half-closeable, always behaves so).
///
/// Ownership: each side is owned by its own connection. The link between the two sides is a pair
/// of non-owning pointers, cut from both ends by whichever `connectionLost` (or destructor) runs
/// first, so the survivor never reaches a destroyed peer, also when both sides close in the same
/// reactor turn.
/// Thread: the reactor's thread only.
/// Re-entrancy: as Protocol; writing to the peer may pause this side's transport at once.
class Proxy : public Protocol, public IHalfCloseableProtocol {
 public:
  Proxy() = default;

  /// Cuts the link if `connectionLost` did not (a connection destroyed without it), so the peer
  /// is not left pointing here.
  ~Proxy() override;

  Proxy(const Proxy&) = delete;
  Proxy& operator=(const Proxy&) = delete;
  Proxy(Proxy&&) = delete;
  Proxy& operator=(Proxy&&) = delete;

  /// Links this side to `peer` (one way, as Twisted's `setPeer`; ProxyClient links both).
  /// Null unlinks without touching the former peer.
  void setPeer(Proxy* peer) noexcept { peer_ = peer; }

  /// The other side, or null before it is connected and after either side's connection is lost.
  [[nodiscard]] Proxy* peer() const noexcept { return peer_; }

  /// Writes `data` to the peer's transport. Without a peer the bytes are dropped: that happens
  /// only after the peer's connection was lost, when this side is already closing.
  void dataReceived(std::string_view data) override;

  /// This side's peer sent FIN: passes it on as a half-close, or ends both sides (see the class
  /// comment).
  void readConnectionLost() override;

  /// Unlinks from the peer, unregisters the producers and asks the peer's transport to
  /// `loseConnection` after flushing what it holds.
  void connectionLost(const Failure& reason) override;

 private:
  // Cuts the link both ways; returns the former peer (null if there was none).
  Proxy* unlink() noexcept;

  // Stops this side's transport producing for `peerTransport`, then asks it to close once
  // flushed. Null does nothing.
  static void closePeerTransport(ITransport* peerTransport);

  Proxy* peer_ = nullptr;
};

}  // namespace torsion
