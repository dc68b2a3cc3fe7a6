#pragma once

#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include <torsion/deferred/failure.hpp>
#include <torsion/testing/string_transport_with_disconnection.hpp>
#include <torsion/transports/address.hpp>
#include <torsion/transports/client_factory.hpp>
#include <torsion/transports/iconnector.hpp>
#include <torsion/transports/protocol.hpp>

namespace torsion::testing {

class MemoryReactor;

/// Where a FakeConnector's current attempt stands.
enum class ConnectorState : std::uint8_t {
  kConnecting,    ///< an attempt is in progress (perhaps cancelled, not yet reported)
  kConnected,     ///< `succeed()` made a connection that is still up
  kDisconnected,  ///< the attempt failed or its connection was lost
};

/// The IConnector a MemoryReactor returns from connectTCP and connectUNIX: one connection
/// attempt that the test resolves on demand (Twisted's `_FakeConnector`, which only records,
/// plus the driving methods).
///
/// Each attempt calls the ClientFactory's hooks as the real connector does, and never inside
/// connectTCP or connect(): `startedConnecting` when the attempt is settled or driven, then
/// either `succeed()` (buildProtocol, then the protocol's makeConnection over a
/// StringTransportWithDisconnection; when that transport's connection is lost,
/// `clientConnectionLost`) or `fail(reason)` (`clientConnectionFailed`). The factory's
/// `startFactory` runs before its first attempt and `stopFactory` once an attempt ends without
/// the hook starting a new one, as on the real connector.
///
/// "Settling" is what the reactor does on a later turn: it delivers `startedConnecting`, reports
/// a `stopConnecting` as ConnectingCancelledError, and otherwise applies the MemoryReactor's
/// connect outcome (pending by default: the test drives it). MemoryReactor settles attempts in
/// `runPending()`; MemoryReactorClock at its next clock step.
///
/// Ownership: the MemoryReactor owns it; it owns the protocols and transports its attempts made
/// (kept, also after they are lost, as long as the reactor lives).
/// Thread: one thread, the test's.
/// Re-entrancy: the factory's hooks may call connect(), stopConnecting() and disconnect().
class FakeConnector final : public IConnector {
 public:
  /// Made by MemoryReactor, which starts the first attempt.
  FakeConnector(MemoryReactor& reactor, Address destination,
                std::shared_ptr<ClientFactory> factory);
  ~FakeConnector() override;

  FakeConnector(const FakeConnector&) = delete;
  FakeConnector& operator=(const FakeConnector&) = delete;
  FakeConnector(FakeConnector&&) = delete;
  FakeConnector& operator=(FakeConnector&&) = delete;

  // ---- IConnector ----------------------------------------------------------------------------

  /// While connecting: records the call; the next settle reports ConnectingCancelledError to
  /// `clientConnectionFailed`. Does nothing otherwise.
  void stopConnecting() override;

  /// stopConnecting while connecting; loseConnection on the transport once connected.
  void disconnect() override;

  /// Starts a new attempt (settled on a later turn).
  /// @throws ValueError while an attempt or a connection is in progress.
  void connect() override;

  /// The host and port (or path) given to connectTCP (connectUNIX).
  [[nodiscard]] Address getDestination() const override { return destination_; }

  // ---- driving the attempt -------------------------------------------------------------------

  /// Calls `startedConnecting` now if this attempt has not had it yet. `succeed`, `fail` and
  /// settling call it first themselves.
  void start();

  /// Makes the attempt succeed: builds the protocol (buildProtocol(destination)) and connects
  /// it to a new StringTransportWithDisconnection whose getPeer is the destination. Returns the
  /// transport (its `protocol()` is the protocol), or null if the attempt was cancelled from
  /// startedConnecting or buildProtocol refused (reported to clientConnectionFailed as
  /// ConnectError, or as what it threw).
  /// @throws ValueError if no attempt is in progress or it was cancelled by stopConnecting.
  StringTransportWithDisconnection* succeed();

  /// Makes the attempt fail with `reason` (normally a ConnectError such as
  /// ConnectionRefusedError), which reaches `clientConnectionFailed`.
  /// @throws ValueError if no attempt is in progress.
  void fail(const Failure& reason);

  /// What the reactor does on a later turn (see the class comment); does nothing once attempt
  /// number `attempt` is over. Called by MemoryReactor.
  void settle(int attempt);

  // ---- what the test inspects ----------------------------------------------------------------

  [[nodiscard]] ConnectorState state() const noexcept { return state_; }

  /// How many attempts were started (1 after connectTCP, +1 per connect()).
  [[nodiscard]] int attempts() const noexcept { return attempts_; }

  /// How many times stopConnecting was called while connecting.
  [[nodiscard]] int stopConnectingCalls() const noexcept { return stopCalls_; }

  /// How many times disconnect was called.
  [[nodiscard]] int disconnectCalls() const noexcept { return disconnectCalls_; }

  /// The transport of the connection now up, or null.
  [[nodiscard]] StringTransportWithDisconnection* transport() const noexcept { return current_; }

  /// Every transport `succeed` made, oldest first (lost ones included).
  [[nodiscard]] std::vector<StringTransportWithDisconnection*> transports() const;

  /// The factory it was given.
  [[nodiscard]] const std::shared_ptr<ClientFactory>& factory() const noexcept { return factory_; }

 private:
  void requireConnecting(const char* what) const;
  void failNow(const Failure& reason);
  void lost(const Failure& reason);
  void finishIfIdle();

  MemoryReactor& reactor_;
  Address destination_;
  std::shared_ptr<ClientFactory> factory_;
  ConnectorState state_ = ConnectorState::kConnecting;
  int attempts_ = 1;
  bool started_ = false;    // startedConnecting ran for this attempt
  bool cancelled_ = false;  // stopConnecting during this attempt
  bool factoryStarted_ = false;
  int stopCalls_ = 0;
  int disconnectCalls_ = 0;
  StringTransportWithDisconnection* current_ = nullptr;
  std::vector<
      std::pair<std::unique_ptr<Protocol>, std::unique_ptr<StringTransportWithDisconnection>>>
      connections_;
};

}  // namespace torsion::testing
