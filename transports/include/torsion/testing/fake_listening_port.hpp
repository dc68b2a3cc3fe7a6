#pragma once

#include <memory>
#include <utility>
#include <vector>

#include <torsion/deferred/unique_function.hpp>
#include <torsion/testing/string_transport_with_disconnection.hpp>
#include <torsion/transports/address.hpp>
#include <torsion/transports/factory.hpp>
#include <torsion/transports/ilistening_port.hpp>
#include <torsion/transports/protocol.hpp>

namespace torsion::testing {

class MemoryReactor;

/// The IListeningPort a MemoryReactor returns from listenTCP, listenUNIX and adoptStreamPort
/// (Twisted's `_FakePort`, plus a way to accept connections).
///
/// As on the real port, the factory's `startFactory` runs on a later "turn" (MemoryReactor's
/// `runPending`, or MemoryReactorClock's next clock step), and `stopListening` closes at once
/// but runs `stopFactory` and then its callback on a later turn.
///
/// `accept(peer)` plays an incoming connection: it builds a protocol from the factory and
/// connects it to a StringTransportWithDisconnection the port owns, so a test can check what a
/// program's listening wiring would do with a client.
///
/// Ownership: the MemoryReactor owns it, and it owns the protocols and transports `accept` made;
/// all live as long as the reactor.
/// Thread: one thread, the test's.
class FakeListeningPort final : public IListeningPort {
 public:
  /// Made by MemoryReactor; `host` is what getHost returns.
  FakeListeningPort(MemoryReactor& reactor, Address host, std::shared_ptr<Factory> factory);
  ~FakeListeningPort() override;

  FakeListeningPort(const FakeListeningPort&) = delete;
  FakeListeningPort& operator=(const FakeListeningPort&) = delete;
  FakeListeningPort(FakeListeningPort&&) = delete;
  FakeListeningPort& operator=(FakeListeningPort&&) = delete;

  /// Stops "listening" now (`listening()` becomes false); `stopFactory` and then `onStopped`
  /// run on a later turn. A second call does nothing and drops its callback.
  void stopListening(UniqueFunction<void()> onStopped = nullptr) override;

  /// The address it was asked to listen on; for port 0, the fake port the reactor assigned.
  [[nodiscard]] Address getHost() const override { return host_; }

  /// True until stopListening.
  [[nodiscard]] bool listening() const noexcept { return listening_; }

  /// How many times stopListening was called.
  [[nodiscard]] int stopListeningCalls() const noexcept { return stopCalls_; }

  /// The factory it was given.
  [[nodiscard]] const std::shared_ptr<Factory>& factory() const noexcept { return factory_; }

  /// Plays a connection from `peer`: builds a protocol with `factory()->buildProtocol(peer)` and
  /// connects it (connectionMade runs now) to a StringTransportWithDisconnection whose getPeer
  /// is `peer` and getHost is this port's address. Returns that transport (the protocol is its
  /// `protocol()`), or null if the factory refused the connection. Works after stopListening
  /// too: the test decides what arrives.
  StringTransportWithDisconnection* accept(Address peer = Address::ipv4("127.0.0.1", 54321));

  /// The transports `accept` made, oldest first.
  [[nodiscard]] std::vector<StringTransportWithDisconnection*> accepted() const;

 private:
  MemoryReactor& reactor_;
  Address host_;
  std::shared_ptr<Factory> factory_;
  bool listening_ = true;
  int stopCalls_ = 0;
  std::vector<
      std::pair<std::unique_ptr<Protocol>, std::unique_ptr<StringTransportWithDisconnection>>>
      connections_;
};

}  // namespace torsion::testing
