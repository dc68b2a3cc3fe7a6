#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <random>

#include <torsion/deferred/error.hpp>
#include <torsion/deferred/logger.hpp>
#include <torsion/reactor/delayed_call.hpp>
#include <torsion/testing/loopback_options.hpp>
#include <torsion/testing/loopback_transport.hpp>
#include <torsion/transports/client_factory.hpp>
#include <torsion/transports/factory.hpp>
#include <torsion/transports/protocol.hpp>

namespace torsion::testing {

/// `LoopbackPump::pump()` took `LoopbackOptions::maxSteps` steps and the two ends were still
/// talking: usually two protocols that answer each other forever.
class PumpLimitExceeded : public Error {
 public:
  using Error::Error;
};

/// A client and a server protocol joined by an in-memory network, moved one deterministic step
/// at a time by the test (Twisted's `iosim.IOPump`, modelled on a real socket pair).
///
/// Each end is a LoopbackTransport. Bytes travel in three stages: a write queues them as the
/// writer's unsent bytes; a step moves them into the network (up to `bufferLimit`); the next
/// part of the same step delivers them to the reader's `dataReceived`, cut as `chunking` says,
/// unless the reader paused its transport. One step (`flush()`) runs four phases, server end
/// first in each:
///   1. transmit: each end's unsent bytes enter the network as far as it has room; a drained
///      end resumes its push producer (at the low watermark), asks its pull producer for more,
///      finishes a `loseConnection` (ConnectionDone) or sends the FIN of `loseWriteConnection`;
///   2. receive: each end's protocol gets every byte in the network toward it (bytes written
///      during this phase wait for the next step, so one step is one hop);
///   3. endings: a FIN or a reset reaches the other end once the bytes ahead of it are read;
///   4. close: `connectionLost` runs for each end whose close was decided, and its socket
///      "closes": a FIN to the peer after a clean close, a reset after an abort.
/// A reset drops the closer's unsent bytes; the bytes already in the network still reach the
/// peer first, as data in a receive buffer does on Linux, unless the peer is itself writing.
///
/// Differences from a socket pair, all on purpose: nothing happens until the test steps the
/// pump (the constructor only runs both `connectionMade`s, server first); bytes sent to an end
/// that is closing or closed vanish instead of provoking a reset; a Factory's `doStart`/`doStop`
/// and a ClientFactory's connector hooks are not called.
///
/// Example:
///     auto pump = torsion::testing::connectedServerAndClient(
///         torsion::Factory::forProtocol<Echo>(), std::make_shared<GreeterFactory>());
///     pump->pump();
///     REQUIRE(pump->clientAs<Greeter>().answer() == "hello");
///
/// Ownership: owns both transports and, when built from factories or `unique_ptr`s, both
/// protocols (kept after `connectionLost`, so a test can inspect them); keeps the factories
/// alive. Destroying the pump runs no hook: it only detaches the protocols still connected.
/// Thread: the test's thread only.
/// Re-entrancy: hooks may do anything to either transport; they must not call `flush`, `pump`
/// or `advance`.
class LoopbackPump {
 public:
  /// Joins two protocols the test owns; both must outlive the pump.
  /// @throws ValueError if `options` are inconsistent (a zero bufferLimit, low > high).
  LoopbackPump(Protocol& server, Protocol& client, LoopbackOptions options = {});

  /// Joins two protocols and owns them.
  /// @throws ValueError as above, or if either protocol is null.
  LoopbackPump(std::unique_ptr<Protocol> server, std::unique_ptr<Protocol> client,
               LoopbackOptions options = {});

  /// Builds the server protocol with `server->buildProtocol(clientAddress)` and the client one
  /// with `client->buildProtocol(serverAddress)`, and joins them.
  /// @throws ValueError as above, or if a factory is null or returns null (refuses).
  LoopbackPump(std::shared_ptr<Factory> server, std::shared_ptr<ClientFactory> client,
               LoopbackOptions options = {});

  ~LoopbackPump();

  LoopbackPump(const LoopbackPump&) = delete;
  LoopbackPump& operator=(const LoopbackPump&) = delete;
  LoopbackPump(LoopbackPump&&) = delete;
  LoopbackPump& operator=(LoopbackPump&&) = delete;

  /// The accepting end's protocol.
  [[nodiscard]] Protocol& server() const noexcept { return *server_; }

  /// The connecting end's protocol.
  [[nodiscard]] Protocol& client() const noexcept { return *client_; }

  /// The server protocol as its concrete type.
  /// @throws std::bad_cast if it is not a `P`.
  template <class P>
  [[nodiscard]] P& serverAs() const {
    return dynamic_cast<P&>(*server_);
  }

  /// The client protocol as its concrete type.
  /// @throws std::bad_cast if it is not a `P`.
  template <class P>
  [[nodiscard]] P& clientAs() const {
    return dynamic_cast<P&>(*client_);
  }

  [[nodiscard]] LoopbackTransport& serverTransport() noexcept { return serverTransport_; }

  [[nodiscard]] LoopbackTransport& clientTransport() noexcept { return clientTransport_; }

  [[nodiscard]] const LoopbackOptions& options() const noexcept { return options_; }

  /// Runs one step (the four phases above). Returns whether anything happened: bytes moved, a
  /// producer was paused or resumed, an end closed...
  /// @throws Error if called from inside a hook the pump is running.
  bool flush();

  /// Steps until nothing happens any more; with a clock, also runs the calls already due on it
  /// (zero-delay calls) and steps again after them.
  /// @throws PumpLimitExceeded after `maxSteps` steps that all did something.
  void pump();

  /// Moves the clock forward by `amount`, one timer deadline at a time, pumping the network
  /// quiet before and after each, so timers and I/O interleave as on a reactor.
  /// @throws ValueError without a clock, or if `amount` is negative or NaN;
  ///   PumpLimitExceeded as pump().
  void advance(Seconds amount);

  /// Ends the client side with a reset: `clientTransport().abortConnection()`. The client gets
  /// ConnectionAborted, the server ConnectionLost, and the client's unsent bytes are dropped.
  void resetClient() { clientTransport_.abortConnection(); }

  /// Ends the server side with a reset, as resetClient does for the client.
  void resetServer() { serverTransport_.abortConnection(); }

 private:
  friend class LoopbackTransport;

  LoopbackPump(LoopbackOptions options, std::shared_ptr<Factory> serverFactory,
               std::shared_ptr<Factory> clientFactory, std::unique_ptr<Protocol> ownedServer,
               std::unique_ptr<Protocol> ownedClient);

  void connect(Protocol& server, Protocol& client);
  bool runDueCalls();
  [[nodiscard]] std::size_t nextPieceSize(std::size_t available, std::size_t frontChunk);

  void noteActivity() noexcept { ++activity_; }

  [[nodiscard]] const Logger& log() const noexcept { return log_; }

  LoopbackOptions options_;
  std::mt19937 rng_;
  Logger log_{"torsion.testing.loopback"};
  std::shared_ptr<Factory> serverFactory_;
  std::shared_ptr<Factory> clientFactory_;
  std::unique_ptr<Protocol> ownedServer_;
  std::unique_ptr<Protocol> ownedClient_;
  Protocol* server_ = nullptr;
  Protocol* client_ = nullptr;
  LoopbackTransport serverTransport_;
  LoopbackTransport clientTransport_;
  std::uint64_t activity_ = 0;
  bool stepping_ = false;
};

/// Joins a protocol from `server` and one from `client` through a new LoopbackPump (Twisted's
/// `iosim.connectedServerAndClient`). Both `connectionMade`s have run; nothing is delivered
/// until the test calls `pump()` or `flush()`.
/// @throws as the LoopbackPump constructor.
[[nodiscard]] std::unique_ptr<LoopbackPump> connectedServerAndClient(
    std::shared_ptr<Factory> server, std::shared_ptr<ClientFactory> client,
    LoopbackOptions options = {});

/// Joins two protocols through a new LoopbackPump, which owns them.
/// @throws as the LoopbackPump constructor.
[[nodiscard]] std::unique_ptr<LoopbackPump> connectedServerAndClient(
    std::unique_ptr<Protocol> server, std::unique_ptr<Protocol> client,
    LoopbackOptions options = {});

}  // namespace torsion::testing
