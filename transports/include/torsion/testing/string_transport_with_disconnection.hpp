#pragma once

#include <cstdint>
#include <optional>

#include <torsion/deferred/failure.hpp>
#include <torsion/deferred/unique_function.hpp>
#include <torsion/testing/string_transport.hpp>
#include <torsion/transports/protocol.hpp>

namespace torsion::testing {

/// When a StringTransportWithDisconnection runs the protocol's `connectionLost`.
enum class LossDelivery : std::uint8_t {
  /// Inside the call that completed the close (Twisted's behaviour): loseConnection,
  /// abortConnection, or the drain/unregisterProducer that let a requested close finish.
  kSynchronous,
  /// Later, when the test calls `deliverConnectionLost()`: as the real transport does from
  /// the reactor's next turn, never inside loseConnection. Use it to check that a protocol does
  /// not depend on connectionLost running inside its own loseConnection.
  kOnRequest,
};

/// A StringTransport that also ends the connection: it calls the protocol's `connectionLost`
/// (Twisted's `StringTransportWithDisconnection`).
///
/// A close completes as on the real transport:
/// - loseConnection completes once nothing is unsent (always, with an unlimited buffer; with a
///   finite one, after the test drains it) and no producer is registered; the reason is
///   ConnectionDone;
/// - abortConnection completes at once, also upgrading a requested clean close; the reason is
///   ConnectionAborted.
/// Completing calls, in the real transport's order: `stopProducing` on a producer still
/// registered (only possible on abort), then the protocol's `connectionLost(reason)` exactly
/// once, then detaches the protocol (its `transport()` becomes null), then the callback given to
/// `afterConnectionLost`. Writes after that, and from inside connectionLost, are ignored, and
/// lose/abort calls from inside connectionLost do nothing.
///
/// With LossDelivery::kSynchronous (the default, Twisted's behaviour), connectionLost runs
/// inside the call that completed the close, usually loseConnection itself. The real transport
/// never does that: it runs connectionLost from the reactor's next turn. Choose kOnRequest for
/// the real ordering; then `closePending()` says a close is waiting and `deliverConnectionLost()`
/// runs it.
///
/// Example:
///     torsion::testing::StringTransportWithDisconnection tr;
///     MyProtocol proto;
///     tr.connect(proto);
///     proto.dataReceived("QUIT\r\n");      // the protocol calls loseConnection
///     REQUIRE(proto.lostReason()->check<torsion::ConnectionDone>());
///
/// Ownership: the protocol must outlive the transport or its connectionLost, whichever comes
/// first; the transport never owns it.
/// Thread: one thread, the test's.
/// Re-entrancy: as StringTransport. An exception thrown by stopProducing or connectionLost
/// reaches the test, after the protocol has been detached.
class StringTransportWithDisconnection : public StringTransport {
 public:
  StringTransportWithDisconnection();

  /// @throws ValueError for bad watermarks, as StringTransport.
  explicit StringTransportWithDisconnection(StringTransportOptions options,
                                            LossDelivery delivery = LossDelivery::kSynchronous);

  /// A transport for `protocol` (it does not call makeConnection; `connect` does).
  explicit StringTransportWithDisconnection(Protocol& protocol, StringTransportOptions options = {},
                                            LossDelivery delivery = LossDelivery::kSynchronous);

  ~StringTransportWithDisconnection() override;

  StringTransportWithDisconnection(const StringTransportWithDisconnection&) = delete;
  StringTransportWithDisconnection& operator=(const StringTransportWithDisconnection&) = delete;
  StringTransportWithDisconnection(StringTransportWithDisconnection&&) = delete;
  StringTransportWithDisconnection& operator=(StringTransportWithDisconnection&&) = delete;

  /// Sets the protocol whose connectionLost this transport calls.
  void setProtocol(Protocol& protocol) noexcept { protocol_ = &protocol; }

  /// The protocol, or null if none was given.
  [[nodiscard]] Protocol* protocol() const noexcept { return protocol_; }

  /// `setProtocol(protocol)`, then `protocol.makeConnection(this)`.
  void connect(Protocol& protocol) override;

  /// Runs `fn(reason)` after the protocol's connectionLost (MemoryReactor's connectors use it to
  /// call clientConnectionLost). Replaces an earlier callback.
  void afterConnectionLost(UniqueFunction<void(const Failure&)> fn) { after_ = std::move(fn); }

  /// True once a close has completed (connectionLost has run, or is running).
  [[nodiscard]] bool closed() const noexcept { return lost(); }

  /// The reason connectionLost was (or is about to be) given, once the close completed.
  [[nodiscard]] const std::optional<Failure>& reason() const noexcept { return reason_; }

  /// With LossDelivery::kOnRequest: true while a completed close waits for
  /// `deliverConnectionLost()`.
  [[nodiscard]] bool closePending() const noexcept { return pending_; }

  /// With LossDelivery::kOnRequest: runs the waiting connectionLost. Returns false, doing
  /// nothing, when none is waiting.
  bool deliverConnectionLost();

 protected:
  void closeMayComplete() override;

 private:
  void finish();

  Protocol* protocol_ = nullptr;
  LossDelivery delivery_;
  std::optional<Failure> reason_;
  bool pending_ = false;
  UniqueFunction<void(const Failure&)> after_;
};

}  // namespace torsion::testing
