// Verified fakes: one behaviour suite, written once against a small Network interface and run
// against the in-memory doubles (the loopback pump in several chunkings, a pair of
// StringTransports for the checks about a single transport) and against real TCP and UNIX sockets
// on every reactor backend. A fake is only worth trusting if it passes what the real thing passes.
#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <unistd.h>

#include <catch2/catch.hpp>

#include <torsion/reactor/clock.hpp>
#include <torsion/testing/loopback_pump.hpp>
#include <torsion/testing/string_transport.hpp>
#include <torsion/testing/string_transport_with_disconnection.hpp>
#include <torsion/transports/ipush_producer.hpp>
#include <torsion/transports/itcp_transport.hpp>

#include "transports_test_support.hpp"

using namespace torsion;           // NOLINT(google-build-using-namespace): test file
using namespace torsion::test;     // NOLINT(google-build-using-namespace): test file
using namespace torsion::testing;  // NOLINT(google-build-using-namespace): test file

namespace {

// ---- the harness ------------------------------------------------------------------------------

// One connection between a server and a client protocol, and the means to drive it. Each
// implementation is one "world" the behaviour checks run in.
class Network {
 public:
  Network() = default;
  Network(const Network&) = delete;
  Network& operator=(const Network&) = delete;
  Network(Network&&) = delete;
  Network& operator=(Network&&) = delete;
  virtual ~Network() = default;

  // For messages: "TCP on epoll", "loopback pump, one byte"...
  [[nodiscard]] virtual std::string name() const = 0;

  // Joins the two protocols; their connectionMade hooks run now or while running.
  virtual void connect(std::unique_ptr<Protocol> server, std::unique_ptr<Protocol> client) = 0;

  // Drives I/O and time until `done()` holds; fails the test (naming `what`) if that does not
  // happen within the world's bound (steps for the fakes, the reactor's clock for sockets).
  virtual void runUntil(const std::function<bool()>& done, const char* what) = 0;

  // The world's time: a Clock for the fakes, the reactor for sockets.
  virtual IReactorTime& time() = 0;

  // Whether an abort reaches the peer as a reset. UNIX stream sockets have none: the peer of
  // an aborted UNIX connection reads an end of file.
  [[nodiscard]] virtual bool abortResetsPeer() const { return true; }
};

using NetworkMaker = std::function<std::unique_ptr<Network>()>;

// A client factory that hands out one prepared protocol.
class OneProtocolClientFactory final : public ClientFactory {
 public:
  explicit OneProtocolClientFactory(std::unique_ptr<Protocol> protocol)
      : protocol_(std::move(protocol)) {}

  std::unique_ptr<Protocol> buildProtocol(const Address& /*addr*/) override {
    return std::move(protocol_);
  }

  void clientConnectionFailed(IConnector& /*connector*/, const Failure& reason) override {
    FAIL("the connection failed: " << reason.what());
  }

 private:
  std::unique_ptr<Protocol> protocol_;
};

// Real sockets on 127.0.0.1 or an abstract UNIX name, on one reactor backend.
class SocketNetwork final : public Network {
 public:
  SocketNetwork(ReactorBackend backend, bool unixSocket)
      : reactor_(quietOptions(backend)), backend_(backend), unix_(unixSocket) {}

  [[nodiscard]] std::string name() const override {
    return std::string(unix_ ? "UNIX" : "TCP") + " on " + std::string(backendName(backend_));
  }

  void connect(std::unique_ptr<Protocol> server, std::unique_ptr<Protocol> client) override {
    auto serverFactory = Factory::fromFunction(
        [p = std::move(server)](const Address&) mutable { return std::move(p); });
    auto clientFactory = std::make_shared<OneProtocolClientFactory>(std::move(client));
    if (unix_) {
      // An abstract name: nothing on disk to clean up, unique per process and network.
      const std::string path = std::string(1, '\0') + "torsion-behaviour-" +
                               std::to_string(::getpid()) + "-" +
                               std::to_string(reinterpret_cast<std::uintptr_t>(this));  // NOLINT
      reactor_.listenUNIX(path, serverFactory);
      reactor_.connectUNIX(path, clientFactory);
    } else {
      const std::uint16_t port =
          reactor_.listenTCP(0, serverFactory, 50, "127.0.0.1").getHost().port();
      reactor_.connectTCP("127.0.0.1", port, clientFactory);
    }
  }

  void runUntil(const std::function<bool()>& done, const char* what) override {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{20};
    for (int turn = 0; turn < 1000000; ++turn) {
      if (done()) {
        return;
      }
      if (std::chrono::steady_clock::now() > deadline) {
        break;
      }
      reactor_.iterate(std::chrono::milliseconds{10});
    }
    FAIL(name() << ": gave up waiting for " << what);
  }

  IReactorTime& time() override { return reactor_; }

  [[nodiscard]] bool abortResetsPeer() const override { return !unix_; }

 private:
  Reactor reactor_;
  ReactorBackend backend_;
  bool unix_;
};

// The loopback pump with a finite network (so producers really pause) and a Clock.
class LoopbackNetwork final : public Network {
 public:
  explicit LoopbackNetwork(Chunking chunking) {
    options_.chunking = chunking;
    options_.bufferLimit = 256 * 1024;  // about a loopback socket pair's kernel buffers
    options_.clock = &clock_;
  }

  [[nodiscard]] std::string name() const override {
    return "loopback pump, " + options_.chunking.toString();
  }

  void connect(std::unique_ptr<Protocol> server, std::unique_ptr<Protocol> client) override {
    pump_ = connectedServerAndClient(std::move(server), std::move(client), options_);
  }

  void runUntil(const std::function<bool()>& done, const char* what) override {
    for (int step = 0; step < 1000000; ++step) {
      if (done()) {
        return;
      }
      if (pump_ && pump_->flush()) {
        continue;
      }
      if (!clock_.advanceToNext()) {
        break;
      }
    }
    FAIL(name() << ": quiet, and still waiting for " << what);
  }

  IReactorTime& time() override { return clock_; }

 private:
  Clock clock_;
  LoopbackOptions options_;
  std::unique_ptr<LoopbackPump> pump_;
};

// Two StringTransports (finite buffers at the real high watermark, connectionLost delivered on
// request as the real transport delivers it on a later turn), with the test playing the
// network: it drains each side into the other protocol unless that transport is paused. It has
// no FIN or reset, so it runs only the checks about a single transport.
class StringTransportNetwork final : public Network {
 public:
  StringTransportNetwork()
      : server_(bufferOptions(), LossDelivery::kOnRequest),
        client_(bufferOptions(), LossDelivery::kOnRequest) {}

  [[nodiscard]] std::string name() const override { return "StringTransport pair"; }

  void connect(std::unique_ptr<Protocol> server, std::unique_ptr<Protocol> client) override {
    serverProtocol_ = std::move(server);
    clientProtocol_ = std::move(client);
    server_.connect(*serverProtocol_);
    client_.connect(*clientProtocol_);
  }

  void runUntil(const std::function<bool()>& done, const char* what) override {
    for (int step = 0; step < 1000000; ++step) {
      if (done()) {
        return;
      }
      bool moved = false;
      if (serverProtocol_) {
        moved = shuttle(client_, *serverProtocol_, server_) || moved;
        moved = shuttle(server_, *clientProtocol_, client_) || moved;
        moved = server_.deliverConnectionLost() || moved;
        moved = client_.deliverConnectionLost() || moved;
      }
      if (!moved && !clock_.advanceToNext()) {
        break;
      }
    }
    FAIL(name() << ": quiet, and still waiting for " << what);
  }

  IReactorTime& time() override { return clock_; }

 private:
  static StringTransportOptions bufferOptions() {
    StringTransportOptions options;
    options.writeBufferLimit = StringTransport::kHighWatermark;
    return options;
  }

  // Moves what `from` wrote into `to`'s protocol, as a network with room to spare would.
  static bool shuttle(StringTransportWithDisconnection& from, Protocol& to,
                      StringTransportWithDisconnection& toTransport) {
    if (from.value().empty() || toTransport.producerState() == ProducerState::kPaused) {
      return false;
    }
    const std::string data = from.drainAll();
    if (to.connected() && !toTransport.disconnecting()) {
      to.dataReceived(data);
    }
    return true;
  }

  Clock clock_;
  StringTransportWithDisconnection server_;
  StringTransportWithDisconnection client_;
  std::unique_ptr<Protocol> serverProtocol_;
  std::unique_ptr<Protocol> clientProtocol_;
};

// Which checks a world can run: all of them, or only those about a single transport.
enum class Scope : std::uint8_t { kBothEnds, kSingleTransport };

// Every world, for GENERATE: the fakes first, then real sockets on each backend.
NetworkMaker anyNetwork(Scope scope) {
  const int which = GENERATE(range(0, 11));
  if (which == 10 && scope == Scope::kBothEnds) {
    return {};  // the StringTransport pair has no FIN or reset
  }
  switch (which) {
    case 0:
      return [] { return std::make_unique<LoopbackNetwork>(Chunking::wholeWrites()); };
    case 1:
      return [] { return std::make_unique<LoopbackNetwork>(Chunking::oneByte()); };
    case 2:
      return [] { return std::make_unique<LoopbackNetwork>(Chunking::randomSplits(1)); };
    case 3:
      return [] { return std::make_unique<LoopbackNetwork>(Chunking::randomSplits(2)); };
    case 10:
      return [] { return std::make_unique<StringTransportNetwork>(); };
    default:
      break;
  }
  const std::vector<ReactorBackend> backends = {ReactorBackend::kEpoll, ReactorBackend::kPoll,
                                                ReactorBackend::kUv};
  const bool unixSocket = which >= 7;
  const ReactorBackend backend = backends.at(static_cast<std::size_t>((which - 4) % 3));
  return [backend, unixSocket] { return std::make_unique<SocketNetwork>(backend, unixSocket); };
}

// ---- helpers for the checks -------------------------------------------------------------------

std::unique_ptr<TestProtocol> recorder(Events& events, std::function<void(TestProtocol&)> onMade) {
  auto p = std::make_unique<TestProtocol>(events);
  p->onMade = std::move(onMade);
  return p;
}

// Writes 16 KiB chunks of pattern() until paused. Once resumed after its first pause, it writes
// one more chunk, unregisters and loses the connection: so every byte it wrote must arrive.
class FloodProducer final : public IPushProducer {
 public:
  static constexpr std::size_t kChunk = std::size_t{16} * 1024;
  static constexpr std::size_t kCap =
      std::size_t{64} * 1024 * 1024;  // a world that never pauses fails

  explicit FloodProducer(ITransport& transport) : transport_(transport) {}

  void start() {
    transport_.registerProducer(*this, true);
    produce();
  }

  void pauseProducing() override {
    ++pauses;
    paused_ = true;
  }

  void resumeProducing() override {
    ++resumes;
    paused_ = false;
    produce();
  }

  void stopProducing() override { ++stops; }

  int pauses = 0;
  int resumes = 0;
  int stops = 0;
  std::size_t sent = 0;

 private:
  void writeChunk() {
    transport_.write(patternAt(sent, kChunk));
    sent += kChunk;
  }

  void produce() {
    if (finished_) {
      return;
    }
    if (resumes > 0) {
      finished_ = true;
      writeChunk();
      transport_.unregisterProducer();
      transport_.loseConnection();
      return;
    }
    while (!paused_ && sent < kCap) {
      writeChunk();
    }
  }

  // pattern()'s bytes [offset, offset + size): pattern depends only on the index.
  static std::string patternAt(std::size_t offset, std::size_t size) {
    std::string s(size, '\0');
    for (std::size_t i = 0; i < size; ++i) {
      const std::size_t k = offset + i;
      s[i] = static_cast<char>('a' + (k * 7 + k / 251) % 26);
    }
    return s;
  }

  ITransport& transport_;
  bool paused_ = false;
  bool finished_ = false;
};

}  // namespace

// ---- the behaviour checks ---------------------------------------------------------------------

TEST_CASE("Behaviour: many writes arrive in order, and their bytes concatenate exactly",
          "[transports][behaviour]") {
  const NetworkMaker make = anyNetwork(Scope::kSingleTransport);
  Events server;
  Events client;
  const std::string data = pattern(200000);
  std::unique_ptr<Network> net = make();
  INFO(net->name());
  auto clientProtocol = recorder(client, [&data](TestProtocol& self) {
    std::size_t offset = 0;
    for (std::size_t i = 0; offset < data.size(); ++i) {
      const std::size_t size = std::min(1 + (i * 37) % 1500, data.size() - offset);
      const std::string_view piece = std::string_view(data).substr(offset, size);
      if (i % 5 == 0) {
        const std::array<std::string_view, 2> halves = {piece.substr(0, size / 2),
                                                        piece.substr(size / 2)};
        self.transport()->writeSequence(halves);
      } else {
        self.transport()->write(piece);
      }
      offset += size;
    }
  });
  auto serverProtocol = recorder(server, [](TestProtocol& self) {
    self.onData = [](TestProtocol& p, std::string_view d) { p.transport()->write(d); };
  });
  net->connect(std::move(serverProtocol), std::move(clientProtocol));
  net->runUntil([&] { return client.received.size() >= data.size() || client.lost > 0; },
                "the echo of every write");
  CHECK(server.received == data);
  CHECK(client.received == data);
  CHECK(server.lost == 0);
  CHECK(client.lost == 0);
}

TEST_CASE("Behaviour: loseConnection flushes what was written, then closes with ConnectionDone",
          "[transports][behaviour]") {
  const NetworkMaker make = anyNetwork(Scope::kSingleTransport);
  Events server;
  Events client;
  bool lostInsideLose = false;
  const std::string payload = pattern(300000);
  std::unique_ptr<Network> net = make();
  INFO(net->name());
  net->connect(recorder(server, [](TestProtocol&) {}), recorder(client, [&](TestProtocol& self) {
                 self.transport()->write(payload);
                 self.transport()->loseConnection();
                 lostInsideLose = client.lost != 0;
                 self.transport()->write("ignored after loseConnection");
               }));
  net->runUntil([&] { return client.lost > 0 && server.received.size() >= payload.size(); },
                "the flush and the closer's connectionLost");
  CHECK_FALSE(lostInsideLose);
  CHECK(client.lost == 1);
  REQUIRE(client.reason);
  CHECK(client.reason->check<ConnectionDone>());
  CHECK(server.received == payload);
}

// NOLINTNEXTLINE(readability-function-cognitive-complexity): Catch2 assertion macros
TEST_CASE(
    "Behaviour: after the peer's loseConnection, a protocol without half-close sees "
    "ConnectionDone",
    "[transports][behaviour]") {
  const NetworkMaker make = anyNetwork(Scope::kBothEnds);
  if (!make) {
    return;
  }
  Events server;
  Events client;
  std::unique_ptr<Network> net = make();
  INFO(net->name());
  net->connect(recorder(server, [](TestProtocol&) {}), recorder(client, [](TestProtocol& self) {
                 self.transport()->write("last words");
                 self.transport()->loseConnection();
               }));
  net->runUntil([&] { return client.lost > 0 && server.lost > 0; }, "both connectionLost calls");
  CHECK(server.received == "last words");
  REQUIRE(server.reason);
  REQUIRE(client.reason);
  CHECK(server.reason->check<ConnectionDone>());
  CHECK(client.reason->check<ConnectionDone>());
  CHECK(server.lost == 1);
  CHECK(client.lost == 1);
}

// NOLINTNEXTLINE(readability-function-cognitive-complexity): Catch2 assertion macros
TEST_CASE("Behaviour: abort drops unsent data; ConnectionAborted here, a reset at the peer",
          "[transports][behaviour]") {
  const NetworkMaker make = anyNetwork(Scope::kBothEnds);
  if (!make) {
    return;
  }
  Events server;
  Events client;
  std::unique_ptr<FloodProducer> flood;
  ITransport* reader = nullptr;
  ITransport* writer = nullptr;
  std::unique_ptr<Network> net = make();
  INFO(net->name());
  net->connect(recorder(server,
                        [&reader](TestProtocol& self) {
                          reader = self.transport();
                          reader->pauseProducing();
                        }),
               recorder(client, [&](TestProtocol& self) {
                 writer = self.transport();
                 flood = std::make_unique<FloodProducer>(*writer);
                 flood->start();
               }));
  net->runUntil([&] { return reader != nullptr && flood && flood->pauses > 0; },
                "the writer to fill the network");
  writer->abortConnection();
  CHECK(client.lost == 0);  // never inside abortConnection
  reader->resumeProducing();
  net->runUntil([&] { return client.lost > 0 && server.lost > 0; }, "both connectionLost calls");
  REQUIRE(client.reason);
  REQUIRE(server.reason);
  CHECK(client.reason->check<ConnectionAborted>());
  CHECK_FALSE(server.reason->check<ConnectionAborted>());
  if (net->abortResetsPeer()) {
    CHECK(server.reason->check<ConnectionLost>());
    CHECK(server.reason->what().find("reset") != std::string::npos);
  } else {
    CHECK(server.reason->check<ConnectionClosed>());
  }
  CHECK(server.received.size() < flood->sent);  // the unsent bytes were dropped
  CHECK(server.received == pattern(server.received.size()));
}

// NOLINTNEXTLINE(readability-function-cognitive-complexity): Catch2 assertion macros
TEST_CASE("Behaviour: after loseWriteConnection a half-closeable peer reads the FIN and answers",
          "[transports][behaviour]") {
  const NetworkMaker make = anyNetwork(Scope::kBothEnds);
  if (!make) {
    return;
  }
  Events server;
  Events client;
  std::unique_ptr<Network> net = make();
  INFO(net->name());
  auto serverProtocol = std::make_unique<HalfCloseProtocol>(server);
  serverProtocol->onReadLost = [&server](HalfCloseProtocol& self) {
    self.transport()->write("got " + std::to_string(server.received.size()));
    self.transport()->loseConnection();
  };
  net->connect(std::move(serverProtocol), recorder(client, [](TestProtocol& self) {
                 self.transport()->write("12345");
                 dynamic_cast<ITCPTransport&>(*self.transport()).loseWriteConnection();
                 self.transport()->write("ignored after loseWriteConnection");
               }));
  net->runUntil([&] { return client.lost > 0 && server.lost > 0; }, "both connectionLost calls");
  CHECK(server.readLost == 1);
  CHECK(server.received == "12345");
  CHECK(client.received == "got 5");
  REQUIRE(server.reason);
  REQUIRE(client.reason);
  CHECK(server.reason->check<ConnectionDone>());
  CHECK(client.reason->check<ConnectionDone>());
}

// NOLINTNEXTLINE(readability-function-cognitive-complexity): Catch2 assertion macros
TEST_CASE("Behaviour: a paused reader pauses the writer's push producer; resuming resumes it",
          "[transports][behaviour]") {
  const NetworkMaker make = anyNetwork(Scope::kSingleTransport);
  Events server;
  Events client;
  std::unique_ptr<FloodProducer> flood;
  ITransport* reader = nullptr;
  std::unique_ptr<Network> net = make();
  INFO(net->name());
  net->connect(recorder(server,
                        [&reader](TestProtocol& self) {
                          reader = self.transport();
                          reader->pauseProducing();
                        }),
               recorder(client, [&flood](TestProtocol& self) {
                 flood = std::make_unique<FloodProducer>(*self.transport());
                 flood->start();
               }));
  net->runUntil([&] { return reader != nullptr && flood && flood->pauses > 0; },
                "the writer's push producer to be paused");
  CHECK(flood->resumes == 0);
  CHECK(server.dataCalls == 0);  // the paused reader got nothing
  reader->resumeProducing();
  net->runUntil([&] { return client.lost > 0 && server.received.size() >= flood->sent; },
                "every byte and the writer's close");
  CHECK(flood->resumes >= 1);
  CHECK(flood->stops == 0);  // it unregistered before the close
  CHECK(server.received.size() == flood->sent);
  CHECK(server.received == pattern(flood->sent));
  REQUIRE(client.reason);
  CHECK(client.reason->check<ConnectionDone>());
}

TEST_CASE("Behaviour: timers run in deadline order, ties in scheduling order, zero-delay next",
          "[transports][behaviour][time]") {
  const NetworkMaker make = anyNetwork(Scope::kSingleTransport);
  std::vector<std::string> log;
  std::unique_ptr<Network> net = make();
  INFO(net->name());
  IReactorTime& time = net->time();
  time.callLater(std::chrono::milliseconds{10}, [&log, &time] {
    log.emplace_back("a");
    // A zero-delay call from a running call waits for the next turn: after b and c.
    time.callLater(Seconds{0}, [&log] { log.emplace_back("a0"); });
  });
  time.callLater(std::chrono::milliseconds{10}, [&log] { log.emplace_back("b"); });
  time.callLater(std::chrono::milliseconds{10}, [&log] { log.emplace_back("c"); });
  time.callLater(std::chrono::milliseconds{5}, [&log] { log.emplace_back("e"); });
  CHECK(log.empty());  // nothing runs inside callLater
  net->runUntil([&log] { return log.size() >= 5; }, "five timed calls");
  CHECK(log == std::vector<std::string>{"e", "a", "b", "c", "a0"});
}

// NOLINTNEXTLINE(readability-function-cognitive-complexity): Catch2 assertion macros
TEST_CASE("Behaviour: disconnecting() turns true at loseConnection or abortConnection",
          "[transports][behaviour][disconnecting]") {
  const NetworkMaker make = anyNetwork(Scope::kSingleTransport);
  const bool abort = GENERATE(false, true);
  Events server;
  Events client;
  bool before = true;
  bool after = false;
  bool inLost = false;
  const std::string payload = pattern(300000);
  std::unique_ptr<Network> net = make();
  INFO(net->name() << (abort ? ", abortConnection" : ", loseConnection"));
  auto clientProtocol = recorder(client, [&](TestProtocol& self) {
    self.transport()->write(payload);  // more than a socket takes at once: the close must wait
    before = self.transport()->disconnecting();
    if (abort) {
      self.transport()->abortConnection();
    } else {
      self.transport()->loseConnection();
    }
    after = self.transport()->disconnecting();
  });
  clientProtocol->onLost = [&inLost](TestProtocol& self, const Failure&) {
    inLost = self.transport()->disconnecting();
  };
  net->connect(recorder(server, [](TestProtocol&) {}), std::move(clientProtocol));
  net->runUntil([&] { return client.lost > 0; }, "the closer's connectionLost");
  CHECK_FALSE(before);
  CHECK(after);   // at once, while the flush (or the abort) is still pending
  CHECK(inLost);  // and still inside connectionLost
}

// NOLINTNEXTLINE(readability-function-cognitive-complexity): Catch2 assertion macros
TEST_CASE("Behaviour: disconnecting() is true inside connectionLost when the peer closed",
          "[transports][behaviour][disconnecting]") {
  const NetworkMaker make = anyNetwork(Scope::kBothEnds);
  if (!make) {
    return;
  }
  Events server;
  Events client;
  bool serverBefore = true;
  bool serverInLost = false;
  std::unique_ptr<Network> net = make();
  INFO(net->name());
  auto serverProtocol = recorder(server, [](TestProtocol&) {});
  serverProtocol->onData = [&serverBefore](TestProtocol& self, std::string_view) {
    serverBefore = self.transport()->disconnecting();
  };
  serverProtocol->onLost = [&serverInLost](TestProtocol& self, const Failure&) {
    serverInLost = self.transport()->disconnecting();
  };
  net->connect(std::move(serverProtocol), recorder(client, [](TestProtocol& self) {
                 self.transport()->write("bye");
                 self.transport()->loseConnection();
               }));
  net->runUntil([&] { return client.lost > 0 && server.lost > 0; }, "both connectionLost calls");
  CHECK(server.received == "bye");
  CHECK_FALSE(serverBefore);  // reading the last data: the peer's FIN has not arrived yet
  CHECK(serverInLost);
}

namespace {

// A push producer that only counts what its consumer asks of it.
class CountingProducer final : public IPushProducer {
 public:
  void pauseProducing() override { ++pauses; }

  void resumeProducing() override { ++resumes; }

  void stopProducing() override { ++stops; }

  int pauses = 0;
  int resumes = 0;
  int stops = 0;
};

}  // namespace

// NOLINTNEXTLINE(readability-function-cognitive-complexity): Catch2 assertion macros
TEST_CASE("Behaviour: setWriteBufferWatermarks pauses and resumes a push producer at once",
          "[transports][behaviour][watermarks]") {
  const NetworkMaker make = anyNetwork(Scope::kSingleTransport);
  Events server;
  Events client;
  ITransport* reader = nullptr;
  ITransport* writer = nullptr;
  std::unique_ptr<Network> net = make();
  INFO(net->name());
  net->connect(recorder(server,
                        [&reader](TestProtocol& self) {
                          reader = self.transport();
                          reader->pauseProducing();
                        }),
               recorder(client, [&writer](TestProtocol& self) { writer = self.transport(); }));
  net->runUntil([&] { return reader != nullptr && writer != nullptr; }, "both connections");
  CHECK(writer->writeBufferWatermarks() == WriteBufferWatermarks{});

  // Fill the writer's buffer past the default high mark (the reader is paused, and nothing
  // runs the network meanwhile), so some bytes stay unsent.
  CountingProducer producer;
  writer->registerProducer(producer, true);
  std::string written;
  constexpr std::size_t kChunk = std::size_t{16} * 1024;
  constexpr std::size_t kCap = std::size_t{64} * 1024 * 1024;
  while (producer.pauses == 0 && written.size() < kCap) {
    // A chunk of distinct bytes (its index, wrapping), so loss or reordering shows.
    const std::string chunk(kChunk, static_cast<char>('a' + (written.size() / kChunk) % 26));
    writer->write(chunk);
    written += chunk;
  }
  REQUIRE(producer.pauses == 1);
  // The backlog is at most one chunk over the default 64 KiB mark.
  const WriteBufferWatermarks roomy{.high = std::size_t{4} * 1024 * 1024,
                                    .low = std::size_t{2} * 1024 * 1024};
  writer->setWriteBufferWatermarks(roomy);  // the backlog is now below the low mark
  CHECK(producer.resumes == 1);             // resumed inside the call
  CHECK(writer->writeBufferWatermarks() == roomy);
  writer->setWriteBufferWatermarks(roomy);  // nothing changes, nothing is called
  CHECK(producer.pauses == 1);
  CHECK(producer.resumes == 1);

  writer->setWriteBufferWatermarks({.high = 0, .low = 0});  // any unsent byte is too many
  CHECK(producer.pauses == 2);                              // paused inside the call

  CHECK_THROWS_AS(writer->setWriteBufferWatermarks({.high = 10, .low = 11}), ValueError);
  CHECK_THROWS_WITH(writer->setWriteBufferWatermarks({.high = 10, .low = 11}),
                    Catch::Contains("11") && Catch::Contains("10"));
  CHECK(writer->writeBufferWatermarks() == WriteBufferWatermarks{.high = 0, .low = 0});

  // Reading again drains the writer completely, which is what low = 0 waits for.
  reader->resumeProducing();
  net->runUntil([&] { return producer.resumes == 2; }, "the producer's resume at low = 0");
  CHECK(producer.pauses == 2);
  writer->unregisterProducer();
  writer->loseConnection();
  net->runUntil([&] { return client.lost > 0 && server.received.size() >= written.size(); },
                "every byte and the writer's close");
  CHECK(server.received == written);
  CHECK(producer.stops == 0);
}
