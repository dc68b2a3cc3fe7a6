#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include <torsion/deferred/failure.hpp>
#include <torsion/transports/address.hpp>
#include <torsion/transports/ihalf_closeable_protocol.hpp>
#include <torsion/transports/iproducer.hpp>
#include <torsion/transports/itcp_transport.hpp>
#include <torsion/transports/protocol.hpp>

namespace torsion::detail {
class ProducerSlot;
}  // namespace torsion::detail

namespace torsion::testing {

class LoopbackPump;

/// One end of a LoopbackPump's in-memory connection: the transport its protocol talks to.
///
/// It keeps the contract of a real TCP transport (`ITransport`, `ITCPTransport`), so a protocol
/// cannot tell the difference: writes are ignored after `loseConnection`, `abortConnection` or
/// `loseWriteConnection`; `connectionLost` runs exactly once, on a later pump step, never inside
/// the call that closed; it gets ConnectionDone for a clean close, ConnectionAborted for its own
/// abort and ConnectionLost for the peer's reset; a FIN from the peer calls
/// `IHalfCloseableProtocol::readConnectionLost` when the protocol implements it, and otherwise
/// ends the connection with ConnectionDone; a push producer is paused above the pump's high
/// watermark of unsent bytes and resumed at the low one (the pump's options set both ends'
/// initial marks; `setWriteBufferWatermarks` changes one end's); a pull producer is asked for a
/// chunk on each step its unsent bytes are drained; `pauseProducing` holds `dataReceived` back
/// until `resumeProducing`; `loseConnection` with a registered producer waits for it to unregister.
///
/// The accessors below the ITCPTransport methods are test-only: they show what a socket hides.
///
/// Ownership: owned by its LoopbackPump; the protocol's `transport()` points here from
/// `makeConnection` until `connectionLost` returns (or the pump is destroyed).
/// Thread: the test's thread only.
/// Re-entrancy: as ITransport: any method may be called from any hook of either protocol.
class LoopbackTransport final : public ITCPTransport {
 public:
  ~LoopbackTransport() override;

  LoopbackTransport(const LoopbackTransport&) = delete;
  LoopbackTransport& operator=(const LoopbackTransport&) = delete;
  LoopbackTransport(LoopbackTransport&&) = delete;
  LoopbackTransport& operator=(LoopbackTransport&&) = delete;

  // IConsumer
  /// @throws ValueError if a producer is already registered, or `producer` is not the kind
  ///   `streaming` says.
  void registerProducer(IProducer& producer, bool streaming) override;
  void unregisterProducer() override;
  void write(std::string_view data) override;

  // IPushProducer: pausing the transport holds back `dataReceived`.
  void pauseProducing() override;
  void resumeProducing() override;
  void stopProducing() override;

  // ITransport
  void writeSequence(std::span<const std::string_view> data) override;
  void loseConnection() override;
  void abortConnection() override;

  /// @throws ValueError if `marks.low` exceeds `marks.high`.
  void setWriteBufferWatermarks(WriteBufferWatermarks marks) override;
  [[nodiscard]] WriteBufferWatermarks writeBufferWatermarks() const override;

  [[nodiscard]] Address getPeer() const override { return peer_; }

  [[nodiscard]] Address getHost() const override { return host_; }

  // ITCPTransport
  void loseWriteConnection() override;
  /// @throws ValueError if this end's address is a UNIX address.
  void setTcpNoDelay(bool enabled) override;

  [[nodiscard]] bool getTcpNoDelay() const override { return noDelay_; }

  /// @throws ValueError if this end's address is a UNIX address.
  void setTcpKeepAlive(bool enabled) override;

  [[nodiscard]] bool getTcpKeepAlive() const override { return keepAlive_; }

  /// Test-only: bytes written and not yet taken by the network; what the producer watermarks
  /// count (a socket transport's write buffer).
  [[nodiscard]] std::size_t unsentBytes() const noexcept { return unsentBytes_; }

  /// Test-only: bytes taken by the network and not yet delivered to the peer's protocol.
  [[nodiscard]] std::size_t inFlightBytes() const noexcept { return inFlightBytes_; }

  /// True once `loseConnection` or `abortConnection` was called, or the connection ended for
  /// another reason (ITransport::disconnecting).
  [[nodiscard]] bool disconnecting() const noexcept override { return state_ != State::kOpen; }

  /// Test-only: true once the protocol's `connectionLost` has run.
  [[nodiscard]] bool disconnected() const noexcept { return state_ == State::kDone; }

  /// Test-only: true once `abortConnection` was called (before connectionLost ran).
  [[nodiscard]] bool aborted() const noexcept { return aborted_; }

  /// Test-only: true once this end sent its FIN (after `loseWriteConnection` drained).
  [[nodiscard]] bool writeClosed() const noexcept { return writeShutdownDone_; }

  /// Test-only: true once this end received the peer's FIN.
  [[nodiscard]] bool readClosed() const noexcept { return readClosed_; }

  /// Test-only: true while `pauseProducing` holds `dataReceived` back.
  [[nodiscard]] bool readingPaused() const noexcept { return paused_; }

  /// Test-only: the registered producer, or null.
  [[nodiscard]] IProducer* producer() const noexcept;

  /// Test-only: whether the registered producer is a push (streaming) producer.
  [[nodiscard]] bool streaming() const noexcept;

  /// Test-only: true while this transport holds its push producer paused (high watermark).
  [[nodiscard]] bool producerPaused() const noexcept;

 private:
  friend class LoopbackPump;

  enum class State : std::uint8_t {
    kOpen,
    kDisconnecting,  // loseConnection: flushing, then closing
    kClosed,         // the close is decided; connectionLost runs on the pump's next close phase
    kDone,           // connectionLost ran
  };

  // What this end sent behind its data: nothing yet, a FIN, or a reset.
  enum class Ending : std::uint8_t { kNone, kFin, kReset };

  LoopbackTransport(LoopbackPump& pump, Address host, Address peer);

  void attach(Protocol& protocol, LoopbackTransport& peer);
  void start();
  void detach() noexcept;

  // The pump's phases, in the order one step runs them.
  void transmit();
  void receive();
  void deliverEnding();
  void finishCloseIfDue();

  void moveIntoNetwork();
  void append(std::string_view data);
  void clearUnsent() noexcept;
  void clearInFlight() noexcept;
  [[nodiscard]] bool reading() const noexcept;
  [[nodiscard]] std::string takeInFlight(std::size_t size);
  void checkHighWatermark();
  bool resumeIfDrained();
  void peerClosed();
  void peerReset();
  void shutdownWrite();
  void scheduleClose(Failure reason);
  void failFromHook(const char* hook);
  void checkTcp(const char* what) const;

  LoopbackPump& pump_;
  Address host_;
  Address peer_;
  Protocol* protocol_ = nullptr;
  IHalfCloseableProtocol* halfCloseable_ = nullptr;
  LoopbackTransport* other_ = nullptr;

  State state_ = State::kOpen;
  bool paused_ = false;
  bool readClosed_ = false;
  bool writeShutdownRequested_ = false;
  bool writeShutdownDone_ = false;
  bool aborted_ = false;
  bool resetByPeer_ = false;
  Ending ending_ = Ending::kNone;
  bool endingDelivered_ = false;
  bool noDelay_ = false;
  bool keepAlive_ = false;

  // Written, not yet in the network: one string per write, so whole-writes chunking keeps them.
  std::deque<std::string> unsent_;
  std::size_t unsentBytes_ = 0;
  // In the network toward the peer; the front string may have been partly delivered.
  std::deque<std::string> inFlight_;
  std::size_t inFlightBytes_ = 0;

  // The registered producer and the watermarks (behind a pointer: the helper is private to
  // the transports library).
  std::unique_ptr<torsion::detail::ProducerSlot> slot_;

  std::optional<Failure> reason_;
};

}  // namespace torsion::testing
