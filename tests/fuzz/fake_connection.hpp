#pragma once

#include <cstdint>
#include <memory>
#include <utility>

#include <torsion/testing/string_transport.hpp>
#include <torsion/testing/string_transport_with_disconnection.hpp>
#include <torsion/transports/protocol.hpp>

namespace torsion::fuzz {

/// The transport side of a receiver fuzz run: a StringTransport of the kind one input byte
/// chooses, and the rules a real transport follows around it, so that what the fuzzer checks is
/// what a receiver sees in production:
/// - byte % 3 == 0: a plain StringTransport, which only records a close (the protocol stays
///   connected; the receiver must stop on `disconnecting()` alone);
/// - byte % 3 == 1: StringTransportWithDisconnection, connectionLost inside loseConnection
///   (Twisted's order);
/// - byte % 3 == 2: the same, connectionLost at the end of the turn (the real transport's order).
///
/// Ownership: owns the transport; the protocol must outlive it.
/// Thread: the fuzzer's thread only.
class FakeConnection {
 public:
  explicit FakeConnection(std::uint8_t kind) {
    if (kind % 3 == 0) {
      transport_ = std::make_unique<testing::StringTransport>();
      return;
    }
    const auto delivery =
        kind % 3 == 1 ? testing::LossDelivery::kSynchronous : testing::LossDelivery::kOnRequest;
    auto transport = std::make_unique<testing::StringTransportWithDisconnection>(
        testing::StringTransportOptions{}, delivery);
    withDisconnection_ = transport.get();
    transport_ = std::move(transport);
  }

  /// Calls `protocol.makeConnection` with the transport.
  void connect(Protocol& protocol) { transport().connect(protocol); }

  /// The transport.
  [[nodiscard]] testing::StringTransport& transport() const noexcept { return *transport_; }

  /// Whether a real transport would still hand the protocol bytes: it stops reading as soon as
  /// a close is requested.
  [[nodiscard]] bool reading() const noexcept { return !transport().disconnecting(); }

  /// Ends one reactor turn (after each chunk): delivers a connectionLost the transport holds back
  /// until then (it does nothing unless the kind delivers on request and a close completed).
  void endTurn() const {
    if (withDisconnection_ != nullptr) {
      withDisconnection_->deliverConnectionLost();
    }
  }

 private:
  std::unique_ptr<testing::StringTransport> transport_;
  testing::StringTransportWithDisconnection* withDisconnection_ = nullptr;  // into transport_
};

}  // namespace torsion::fuzz
