#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include <torsion/transports/address.hpp>
#include <torsion/transports/iproducer.hpp>
#include <torsion/transports/itcp_transport.hpp>
#include <torsion/transports/protocol.hpp>

namespace torsion::detail {
class ProducerSlot;
}  // namespace torsion::detail

namespace torsion::testing {

/// The state of a StringTransport in its role as an IPushProducer: what the protocol under test
/// last asked of it (Twisted's `producerState` strings, as an enum).
enum class ProducerState : std::uint8_t {
  kProducing,  ///< reading: the initial state, and after resumeProducing
  kPaused,     ///< after pauseProducing
  kStopped,    ///< after stopProducing; final
};

/// How a StringTransport is set up. Every field has a default, so `StringTransport tr;` works.
struct StringTransportOptions {
  /// Returned by `getPeer()`. The default, 127.0.0.1:54321, keeps Twisted's peer port; the host
  /// is loopback rather than Twisted's 192.168.1.1 so nothing in a test names a routable address.
  Address peer = Address::ipv4("127.0.0.1", 54321);

  /// Returned by `getHost()`. The default, 127.0.0.1:12345, keeps Twisted's host port.
  Address host = Address::ipv4("127.0.0.1", 12345);

  /// The write buffer's high watermark. Unset (the default, Twisted's behaviour): the buffer is
  /// unlimited, every write counts as sent at once, and a push producer is never paused.
  /// Set: written bytes count as unsent until the test drains them (`drain`, `drainAll`), and a
  /// registered push producer is paused as soon as more than this many bytes are unsent.
  /// Writes past the limit are still accepted and kept, as the kernel plus a user-space buffer
  /// would keep them: the limit is the point at which the transport asks the producer to pause,
  /// not a cap. Use `StringTransport::kHighWatermark` to mirror the real transport.
  std::optional<std::size_t> writeBufferLimit;

  /// With a limit, a paused push producer is resumed once a drain leaves this many unsent bytes
  /// or fewer. Unset: a quarter of `writeBufferLimit`, which for kHighWatermark gives the real
  /// transport's kLowWatermark.
  std::optional<std::size_t> lowWatermark;
};

/// An in-memory ITCPTransport for unit tests of protocols (Twisted's `StringTransport`): it
/// records what the protocol does to it and does nothing else. No socket, no reactor.
///
/// It records every byte written (`value()`, `clear()`), the close requests (`disconnecting()`,
/// `aborted()`, `writeClosed()`), the TCP options set, the registered producer, and its own
/// producer state as the protocol pushes it (`producerState()`).
///
/// Unlike Twisted's, it can model a finite write buffer (see StringTransportOptions): the test
/// then plays the network with `drain(n)`/`drainAll()`, and a registered producer is driven
/// exactly as the real transport (StreamConnection) drives it:
/// - a push producer is paused when a write leaves more than the high watermark unsent, and
///   resumed when a drain leaves the low watermark or fewer;
/// - a push producer registered while already over the mark is paused at once;
/// - a pull producer's `resumeProducing` is called each time a drain leaves the buffer empty
///   (also with an unlimited buffer, and also for a drain of an already empty buffer: each
///   drain is one "the socket took everything" event, so a test calls `drainAll()` once after
///   registering a pull producer to ask for its first chunk, as the real transport does on its
///   next turn);
/// - a second producer, or a producer of the wrong kind, is rejected with ValueError.
///
/// `setWriteBufferWatermarks` changes the marks at run time, as on the real transport. On a
/// transport with an unlimited buffer it also makes the buffer finite (the new high mark becomes
/// `writeBufferLimit()`): watermarks mean nothing without a buffer, and a test that sets them
/// wants them to act. The bytes already in `value()` then count as unsent until drained.
///
/// Differences from the real transport, on purpose: closing only records (it never calls the
/// protocol's `connectionLost`; StringTransportWithDisconnection does); producer callbacks run
/// synchronously inside `write`/`drain`/`registerProducer`, and an exception they throw reaches
/// the test instead of aborting the connection.
///
/// Example:
///     torsion::testing::StringTransport tr;
///     EchoProtocol proto;
///     tr.connect(proto);                 // proto.makeConnection(&tr)
///     proto.dataReceived("hello");
///     REQUIRE(tr.value() == "hello");
///
/// Ownership: the test owns the transport and the protocol; the transport never owns or
/// destroys its protocol. It refers to a registered producer without owning it (IConsumer).
/// Thread: one thread, the test's.
/// Re-entrancy: every method may be called from inside a protocol or producer hook.
class StringTransport : public ITCPTransport {
 public:
  /// The real TCP transport's high watermark (StreamConnection::kHighWatermark), for tests that
  /// want its numbers: `options.writeBufferLimit = StringTransport::kHighWatermark`.
  static constexpr std::size_t kHighWatermark = std::size_t{64} * 1024;
  /// The real TCP transport's low watermark (StreamConnection::kLowWatermark).
  static constexpr std::size_t kLowWatermark = std::size_t{16} * 1024;

  /// A transport with the default options: unlimited buffer, the default addresses.
  StringTransport();

  /// @throws ValueError if `lowWatermark` is set without `writeBufferLimit`, or is greater
  ///   than it.
  explicit StringTransport(StringTransportOptions options);

  ~StringTransport() override;

  StringTransport(const StringTransport&) = delete;
  StringTransport& operator=(const StringTransport&) = delete;
  StringTransport(StringTransport&&) = delete;
  StringTransport& operator=(StringTransport&&) = delete;

  /// Calls `protocol.makeConnection(this)`, so `connectionMade` runs now.
  virtual void connect(Protocol& protocol);

  // ---- what the test inspects ----------------------------------------------------------------

  /// Every byte written and not yet cleared or drained, in order.
  [[nodiscard]] const std::string& value() const noexcept { return data_; }

  /// Forgets the bytes in `value()`. With a finite buffer they count as sent, but no producer
  /// is called: a paused producer hears of it at the next drain (`drain(0)` will do).
  void clear() noexcept;

  /// Takes up to `n` bytes from the front of `value()` as the network would, returns them,
  /// and then drives the registered producer (see the class comment).
  std::string drain(std::size_t n);

  /// Takes everything in `value()` and drives the registered producer; see `drain`.
  std::string drainAll();

  /// How many written bytes count as not yet sent: `value().size()` with a finite buffer,
  /// always 0 with an unlimited one.
  [[nodiscard]] std::size_t unsent() const noexcept;

  /// The high watermark, if the buffer is finite.
  [[nodiscard]] std::optional<std::size_t> writeBufferLimit() const noexcept;

  /// The low watermark in use (meaningful only with a finite buffer).
  [[nodiscard]] std::size_t lowWatermark() const noexcept;

  /// True after loseConnection, abortConnection or stopProducing: a close was requested
  /// (ITransport::disconnecting).
  [[nodiscard]] bool disconnecting() const noexcept override { return disconnecting_; }

  /// True after abortConnection (Twisted's `disconnected`).
  [[nodiscard]] bool aborted() const noexcept { return aborted_; }

  /// True after loseWriteConnection (a half-close was requested).
  [[nodiscard]] bool writeClosed() const noexcept { return writeClosed_; }

  /// The registered producer, or null.
  [[nodiscard]] IProducer* producer() const noexcept;

  /// Whether the registered producer is a push producer (the `streaming` flag it was registered
  /// with); false when none is registered.
  [[nodiscard]] bool streaming() const noexcept;

  /// True while this transport holds the registered push producer paused (write buffer over the
  /// high watermark and not yet drained to the low one).
  [[nodiscard]] bool producerPaused() const noexcept;

  /// This transport's own state as an IPushProducer, as the protocol last set it.
  [[nodiscard]] ProducerState producerState() const noexcept { return producerState_; }

  // ---- IConsumer -----------------------------------------------------------------------------

  /// Registers `producer` (see the class comment for how it is then driven).
  /// @throws ValueError if a producer is already registered, or `producer` is not the kind
  ///   `streaming` says.
  void registerProducer(IProducer& producer, bool streaming) override;

  /// Forgets the producer; does nothing if there is none.
  void unregisterProducer() override;

  /// Appends `data` to `value()`; ignored after loseConnection, abortConnection or
  /// loseWriteConnection, as on the real transport.
  void write(std::string_view data) override;

  // ---- IPushProducer: records what the protocol asks -------------------------------------------

  /// kProducing -> kPaused. Ignored once stopped.
  void pauseProducing() override;

  /// kPaused -> kProducing. Ignored once stopped: the real transport, whose stopProducing is
  /// loseConnection, also ignores a resume after it. (Twisted's raises; torsion's contract lets
  /// any hook call it, so the fake must not fail code the real transport accepts.)
  void resumeProducing() override;

  /// -> kStopped, and loseConnection, as ITransport says stopProducing is.
  void stopProducing() override;

  // ---- ITransport ----------------------------------------------------------------------------

  /// As `write` of the concatenation.
  void writeSequence(std::span<const std::string_view> data) override;

  /// Records the request: `disconnecting()` becomes true at once, even when the real transport
  /// would still be flushing or waiting for a registered producer to unregister.
  void loseConnection() override;

  /// Records the request: `aborted()` and `disconnecting()` become true. `value()` keeps what
  /// was written, so the test can still inspect it.
  void abortConnection() override;

  /// Sets the marks now, making the buffer finite if it was not (see the class comment); a
  /// push producer is paused or resumed at once as the new marks say, inside this call.
  /// @throws ValueError if `marks.low` exceeds `marks.high`; nothing changes then.
  void setWriteBufferWatermarks(WriteBufferWatermarks marks) override;

  /// The marks in use. With an unlimited buffer (nothing ever counts as unsent) they have no
  /// effect: WriteBufferWatermarks' defaults until set.
  [[nodiscard]] WriteBufferWatermarks writeBufferWatermarks() const override;

  [[nodiscard]] Address getPeer() const override { return peer_; }

  [[nodiscard]] Address getHost() const override { return host_; }

  // ---- ITCPTransport -------------------------------------------------------------------------

  /// Records the half-close: `writeClosed()` becomes true and later writes are ignored.
  void loseWriteConnection() override;

  void setTcpNoDelay(bool enabled) override { noDelay_ = enabled; }

  [[nodiscard]] bool getTcpNoDelay() const override { return noDelay_; }

  void setTcpKeepAlive(bool enabled) override { keepAlive_ = enabled; }

  [[nodiscard]] bool getTcpKeepAlive() const override { return keepAlive_; }

 protected:
  /// Called after each event that may complete a requested close: loseConnection,
  /// abortConnection, unregisterProducer, and each drain. The base does nothing;
  /// StringTransportWithDisconnection delivers `connectionLost` from here.
  virtual void closeMayComplete() {}

  /// Whether writes are still accepted.
  [[nodiscard]] bool writable() const noexcept {
    return !disconnecting_ && !writeClosed_ && !lost_;
  }

  /// Marks the connection as gone for good: writes and producer registrations are then
  /// ignored.
  void markLost() noexcept { lost_ = true; }

  /// Unregisters the producer without any callback and returns it (null if there was none).
  IProducer* takeProducer() noexcept;

  /// True once markLost ran.
  [[nodiscard]] bool lost() const noexcept { return lost_; }

 private:
  void afterWrite();

  Address peer_;
  Address host_;
  bool finite_ = false;  // writeBufferLimit is set: written bytes count as unsent until drained
  std::string data_;

  bool disconnecting_ = false;
  bool aborted_ = false;
  bool writeClosed_ = false;
  bool lost_ = false;
  bool noDelay_ = false;
  bool keepAlive_ = false;

  // The registered producer and the watermarks (behind a pointer: the helper is private to
  // the transports library).
  std::unique_ptr<torsion::detail::ProducerSlot> slot_;
  ProducerState producerState_ = ProducerState::kProducing;
};

/// Calls `transport.connect(protocol)`, that is `protocol.makeConnection(&transport)` (a
/// StringTransportWithDisconnection also remembers the protocol): the line most protocol tests
/// start with.
inline void connect(Protocol& protocol, StringTransport& transport) {
  transport.connect(protocol);
}

}  // namespace torsion::testing
