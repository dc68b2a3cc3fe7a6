// The loopback pump: two protocols joined in memory, with a network that can be chunked, made
// finite, half-closed and reset, stepped deterministically by the test.
#include <algorithm>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <typeinfo>
#include <vector>

#include <catch2/catch.hpp>

#include <torsion/reactor/clock.hpp>
#include <torsion/testing/loopback_pump.hpp>
#include <torsion/transports/ipull_producer.hpp>
#include <torsion/transports/ipush_producer.hpp>

#include "transports_test_support.hpp"

using namespace torsion;           // NOLINT(google-build-using-namespace): test file
using namespace torsion::test;     // NOLINT(google-build-using-namespace): test file
using namespace torsion::testing;  // NOLINT(google-build-using-namespace): test file

namespace {

// A TestProtocol whose connectionMade runs `onMade`, built as a unique_ptr for the pump.
std::unique_ptr<TestProtocol> recorder(Events& events,
                                       std::function<void(TestProtocol&)> onMade = {}) {
  auto p = std::make_unique<TestProtocol>(events);
  if (onMade) {
    p->onMade = std::move(onMade);
  }
  return p;
}

// Writes `chunk` bytes of a running pattern while not paused, until `total` are out; then
// unregisters and loses the connection.
class PatternPusher final : public IPushProducer {
 public:
  PatternPusher(ITransport& transport, std::size_t total,
                std::size_t chunk = std::size_t{16} * 1024)
      : transport_(transport), total_(total), chunk_(chunk), data_(pattern(total)) {}

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

  [[nodiscard]] const std::string& data() const { return data_; }

  int pauses = 0;
  int resumes = 0;
  int stops = 0;
  std::size_t sent = 0;

 private:
  void produce() {
    while (!paused_ && sent < total_) {
      const std::size_t n = std::min(chunk_, total_ - sent);
      transport_.write(std::string_view(data_).substr(sent, n));
      sent += n;
    }
    if (sent >= total_ && !done_) {
      done_ = true;
      transport_.unregisterProducer();
      transport_.loseConnection();
    }
  }

  ITransport& transport_;
  std::size_t total_;
  std::size_t chunk_;
  std::string data_;
  bool paused_ = false;
  bool done_ = false;
};

// Writes one numbered chunk each time it is asked, `count` times, then unregisters.
class CountingPuller final : public IPullProducer {
 public:
  CountingPuller(ITransport& transport, int count) : transport_(transport), left_(count) {}

  void resumeProducing() override {
    ++asked;
    if (left_-- > 0) {
      transport_.write("chunk" + std::to_string(asked) + ";");
    } else {
      transport_.unregisterProducer();
    }
  }

  void stopProducing() override {}

  int asked = 0;

 private:
  ITransport& transport_;
  int left_;
};

}  // namespace

// NOLINTNEXTLINE(readability-function-cognitive-complexity): Catch2 assertion macros
TEST_CASE("The loopback pump carries bytes both ways between two protocols",
          "[transports][loopback]") {
  Events server;
  Events client;
  auto pump = connectedServerAndClient(
      recorder(server,
               [](TestProtocol& self) {
                 self.onData = [](TestProtocol& p, std::string_view d) { p.transport()->write(d); };
               }),
      recorder(client, [](TestProtocol& self) {
        self.transport()->write("hello, ");
        self.transport()->write("world");
      }));
  CHECK(server.made == 1);
  CHECK(client.made == 1);
  CHECK(server.received.empty());  // nothing moves until the test pumps
  pump->pump();
  CHECK(server.received == "hello, world");
  CHECK(client.received == "hello, world");
  CHECK(pump->clientTransport().unsentBytes() == 0);
  CHECK(server.lost == 0);
  CHECK(client.lost == 0);
}

TEST_CASE("flush() moves each byte one hop per step", "[transports][loopback]") {
  Events server;
  Events client;
  auto pump = connectedServerAndClient(
      recorder(server,
               [](TestProtocol& self) {
                 self.onData = [](TestProtocol& p, std::string_view d) { p.transport()->write(d); };
               }),
      recorder(client, [](TestProtocol& self) { self.transport()->write("ping"); }));
  CHECK(pump->flush());  // client -> server
  CHECK(server.received == "ping");
  CHECK(client.received.empty());
  CHECK(pump->flush());  // the echo: server -> client
  CHECK(client.received == "ping");
  CHECK_FALSE(pump->flush());  // quiet
}

// NOLINTNEXTLINE(readability-function-cognitive-complexity): Catch2 assertion macros
TEST_CASE("Every chunking delivers the same byte stream, cut as it says",
          "[transports][loopback][chunking]") {
  const std::vector<std::string> writes = {"a", "bcd",  std::string(1000, 'x'),
                                           "",  "efgh", pattern(5000)};
  std::string expected;
  for (const std::string& w : writes) {
    expected += w;
  }
  const auto run = [&writes](Chunking chunking, std::vector<std::size_t>& sizes) {
    Events server;
    Events client;
    auto serverProtocol = recorder(server);
    serverProtocol->onData = [&sizes](TestProtocol&, std::string_view d) {
      sizes.push_back(d.size());
    };
    LoopbackOptions options;
    options.chunking = chunking;
    auto pump = connectedServerAndClient(std::move(serverProtocol),
                                         recorder(client,
                                                  [&writes](TestProtocol& self) {
                                                    for (const std::string& w : writes) {
                                                      self.transport()->write(w);
                                                    }
                                                  }),
                                         options);
    pump->pump();
    return server.received;
  };

  std::vector<std::size_t> whole;
  CHECK(run(Chunking::wholeWrites(), whole) == expected);
  CHECK(whole == std::vector<std::size_t>{1, 3, 1000, 4, 5000});  // the empty write is no write

  std::vector<std::size_t> bytes;
  CHECK(run(Chunking::oneByte(), bytes) == expected);
  CHECK(bytes.size() == expected.size());

  std::vector<std::size_t> first;
  std::vector<std::size_t> again;
  std::vector<std::size_t> other;
  CHECK(run(Chunking::randomSplits(7), first) == expected);
  CHECK(run(Chunking::randomSplits(7), again) == expected);
  CHECK(run(Chunking::randomSplits(8), other) == expected);
  CHECK(first == again);  // the same seed cuts the same way
  CHECK(first != other);
  CHECK(first != whole);  // random cuts coalesce and split writes
  CHECK(Chunking::randomSplits(7).toString() == "random splits (seed 7)");
}

// NOLINTNEXTLINE(readability-function-cognitive-complexity): Catch2 assertion macros
TEST_CASE("loseConnection flushes, then both ends get ConnectionDone on a later step",
          "[transports][loopback][close]") {
  Events server;
  Events client;
  bool lostInsideLose = false;
  const std::string payload = pattern(100000);
  LoopbackOptions options;
  options.bufferLimit = 4096;  // many steps of flushing
  auto pump =
      connectedServerAndClient(recorder(server),
                               recorder(client,
                                        [&](TestProtocol& self) {
                                          self.transport()->write(payload);
                                          self.transport()->loseConnection();
                                          lostInsideLose = client.lost != 0;
                                          self.transport()->write("ignored after loseConnection");
                                        }),
                               options);
  CHECK(pump->clientTransport().disconnecting());
  CHECK_FALSE(pump->clientTransport().disconnected());
  pump->pump();
  CHECK_FALSE(lostInsideLose);
  CHECK(server.received == payload);
  REQUIRE(client.reason);
  REQUIRE(server.reason);
  CHECK(client.reason->check<ConnectionDone>());
  CHECK(server.reason->check<ConnectionDone>());  // the FIN, without half-close support
  CHECK(client.lost == 1);
  CHECK(server.lost == 1);
  CHECK(pump->client().transport() == nullptr);  // detached after connectionLost
  CHECK(pump->clientTransport().disconnected());
}

// NOLINTNEXTLINE(readability-function-cognitive-complexity): Catch2 assertion macros
TEST_CASE("Over the pump a half-closeable server answers after the client's loseWriteConnection",
          "[transports][loopback][halfclose]") {
  Events server;
  Events client;
  auto serverProtocol = std::make_unique<HalfCloseProtocol>(server);
  serverProtocol->onReadLost = [&server](HalfCloseProtocol& self) {
    self.transport()->write("got " + std::to_string(server.received.size()));
    self.transport()->loseConnection();
  };
  auto pump =
      connectedServerAndClient(std::move(serverProtocol), recorder(client, [](TestProtocol& self) {
                                 self.transport()->write("12345");
                                 auto& tcp = dynamic_cast<ITCPTransport&>(*self.transport());
                                 tcp.loseWriteConnection();
                                 self.transport()->write("ignored");
                               }));
  pump->pump();
  CHECK(server.received == "12345");
  CHECK(server.readLost == 1);
  CHECK(client.received == "got 5");
  REQUIRE(client.reason);
  REQUIRE(server.reason);
  CHECK(server.reason->check<ConnectionDone>());
  CHECK(client.reason->check<ConnectionDone>());
}

// NOLINTNEXTLINE(readability-function-cognitive-complexity): Catch2 assertion macros
TEST_CASE("A reset drops unsent bytes; the closer gets ConnectionAborted, the peer ConnectionLost",
          "[transports][loopback][reset]") {
  Events server;
  Events client;
  LoopbackOptions options;
  options.bufferLimit = 10;
  auto pump = connectedServerAndClient(
      recorder(server, [](TestProtocol& self) { self.transport()->pauseProducing(); }),
      recorder(client, [](TestProtocol& self) { self.transport()->write(pattern(100)); }), options);
  pump->pump();  // ten bytes in the network, ninety unsent: the server reads nothing
  CHECK(pump->clientTransport().inFlightBytes() == 10);
  CHECK(pump->clientTransport().unsentBytes() == 90);
  pump->resetClient();
  CHECK(client.lost == 0);  // never inside abortConnection
  CHECK(pump->clientTransport().unsentBytes() == 0);
  pump->serverTransport().resumeProducing();
  pump->pump();
  CHECK(server.received == pattern(100).substr(0, 10));  // what was in the network, no more
  REQUIRE(client.reason);
  REQUIRE(server.reason);
  CHECK(client.reason->check<ConnectionAborted>());
  CHECK(server.reason->check<ConnectionLost>());
  CHECK_FALSE(server.reason->check<ConnectionAborted>());
  CHECK(server.reason->what().find("reset") != std::string::npos);
}

TEST_CASE("abortConnection after loseConnection upgrades the pending clean close",
          "[transports][loopback][reset]") {
  Events server;
  Events client;
  auto pump = connectedServerAndClient(recorder(server), recorder(client, [](TestProtocol& self) {
                                         self.transport()->loseConnection();
                                         self.transport()->abortConnection();
                                       }));
  pump->pump();
  REQUIRE(client.reason);
  REQUIRE(server.reason);
  CHECK(client.reason->check<ConnectionAborted>());
  CHECK(server.reason->check<ConnectionLost>());
  CHECK(client.lost == 1);
}

TEST_CASE("A paused reader holds data back until it resumes", "[transports][loopback][pause]") {
  Events server;
  Events client;
  auto pump = connectedServerAndClient(
      recorder(server, [](TestProtocol& self) { self.transport()->pauseProducing(); }),
      recorder(client, [](TestProtocol& self) { self.transport()->write("held"); }));
  pump->pump();
  CHECK(server.received.empty());
  CHECK(pump->serverTransport().readingPaused());
  CHECK(pump->clientTransport().inFlightBytes() == 4);
  pump->serverTransport().resumeProducing();
  pump->pump();
  CHECK(server.received == "held");
}

// NOLINTNEXTLINE(readability-function-cognitive-complexity): Catch2 assertion macros
TEST_CASE("With a finite buffer a push producer pauses at the high mark and resumes at the low",
          "[transports][loopback][producer]") {
  constexpr std::size_t kTotal = std::size_t{512} * 1024;
  Events server;
  Events client;
  std::unique_ptr<PatternPusher> pusher;
  std::size_t unsentAtPause = 0;
  LoopbackOptions options;
  options.bufferLimit = 8192;
  options.chunking = GENERATE(Chunking::wholeWrites(), Chunking::randomSplits(3));
  auto pump = connectedServerAndClient(
      recorder(server, [](TestProtocol& self) { self.transport()->pauseProducing(); }),
      recorder(client,
               [&](TestProtocol& self) {
                 pusher = std::make_unique<PatternPusher>(*self.transport(), kTotal);
                 pusher->start();
               }),
      options);
  REQUIRE(pusher);
  LoopbackTransport& writer = pump->clientTransport();
  CHECK(pusher->pauses == 1);  // 16 KiB writes: paused once 64 KiB is exceeded
  unsentAtPause = writer.unsentBytes();
  CHECK(unsentAtPause > options.highWatermark);
  CHECK(unsentAtPause <= options.highWatermark + std::size_t{16} * 1024);
  CHECK(writer.producerPaused());

  pump->pump();  // the reader is paused: the network fills and stays full
  CHECK(writer.inFlightBytes() == 8192);
  CHECK(pusher->resumes == 0);
  CHECK(server.received.empty());

  pump->serverTransport().resumeProducing();
  for (int i = 0; i < 1000 && pusher->resumes == 0; ++i) {
    const std::size_t before = writer.unsentBytes();
    pump->flush();
    if (pusher->resumes == 1) {
      CHECK(before > options.lowWatermark);  // resumed exactly when it drained to the low mark
    }
  }
  CHECK(pusher->resumes >= 1);
  pump->pump();
  CHECK(pusher->pauses >= pusher->resumes);
  CHECK(server.received.size() == kTotal);
  CHECK(server.received == pusher->data());
  REQUIRE(server.reason);
  CHECK(server.reason->check<ConnectionDone>());
  CHECK(pusher->stops == 0);  // it unregistered before the connection closed
}

// NOLINTNEXTLINE(readability-function-cognitive-complexity): Catch2 assertion macros
TEST_CASE("A pull producer is asked once per drained step, and loseConnection waits for it",
          "[transports][loopback][producer]") {
  Events server;
  Events client;
  std::unique_ptr<CountingPuller> puller;
  auto pump = connectedServerAndClient(recorder(server), recorder(client, [&](TestProtocol& self) {
                                         puller =
                                             std::make_unique<CountingPuller>(*self.transport(), 3);
                                         self.transport()->registerProducer(*puller, false);
                                         self.transport()->loseConnection();
                                       }));
  REQUIRE(puller);
  CHECK(puller->asked == 0);  // never inside registerProducer
  pump->flush();
  CHECK(puller->asked == 1);
  CHECK(client.lost == 0);  // still waiting for the producer
  pump->pump();
  // A loseConnection'd transport ignores writes, so the chunks never went out; the producer
  // was asked until it unregistered, and only then did the connection close.
  CHECK(puller->asked == 4);
  CHECK(server.received.empty());
  REQUIRE(client.reason);
  CHECK(client.reason->check<ConnectionDone>());
}

TEST_CASE("A pull producer's chunks arrive in order", "[transports][loopback][producer]") {
  Events server;
  Events client;
  std::unique_ptr<CountingPuller> puller;
  auto pump = connectedServerAndClient(recorder(server), recorder(client, [&](TestProtocol& self) {
                                         puller =
                                             std::make_unique<CountingPuller>(*self.transport(), 3);
                                         self.transport()->registerProducer(*puller, false);
                                       }));
  pump->pump();
  CHECK(server.received == "chunk1;chunk2;chunk3;");
  CHECK(pump->clientTransport().producer() == nullptr);
}

TEST_CASE("pump() gives up with a clear error on protocols that answer each other forever",
          "[transports][loopback]") {
  Events server;
  Events client;
  const auto echo = [](TestProtocol& self) {
    self.onData = [](TestProtocol& p, std::string_view d) { p.transport()->write(d); };
  };
  LoopbackOptions options;
  options.maxSteps = 500;
  auto pump = connectedServerAndClient(recorder(server, echo),
                                       recorder(client,
                                                [&](TestProtocol& self) {
                                                  echo(self);
                                                  self.transport()->write("ping");
                                                }),
                                       options);
  CHECK_THROWS_AS(pump->pump(), PumpLimitExceeded);
  CHECK_THROWS_WITH(pump->pump(), Catch::Matchers::Contains("still busy after 500 steps") &&
                                      Catch::Matchers::Contains("forever"));
}

TEST_CASE("flush() from inside a hook is refused", "[transports][loopback]") {
  Events server;
  Events client;
  LoopbackPump* self = nullptr;
  bool refused = false;
  auto serverProtocol = recorder(server);
  serverProtocol->onData = [&](TestProtocol&, std::string_view) {
    try {
      self->flush();
    } catch (const Error&) {
      refused = true;
    }
  };
  auto pump = connectedServerAndClient(
      std::move(serverProtocol),
      recorder(client, [](TestProtocol& p) { p.transport()->write("x"); }));
  self = pump.get();
  pump->pump();
  CHECK(refused);
}

// NOLINTNEXTLINE(readability-function-cognitive-complexity): Catch2 assertion macros
TEST_CASE("advance() interleaves the clock's timers with the network", "[transports][loopback]") {
  Clock clock;
  Events server;
  Events client;
  LoopbackOptions options;
  options.clock = &clock;
  std::vector<std::string> log;
  auto serverProtocol = recorder(server, [&](TestProtocol& self) {
    // A greeting after 5 s, and an answer to each line one zero-delay call later.
    clock.callLater(5s, [transport = self.transport()] { transport->write("tick"); });
  });
  serverProtocol->onData = [&](TestProtocol& p, std::string_view d) {
    clock.callLater(0s, [transport = p.transport(), answer = "re:" + std::string(d)] {
      transport->write(answer);
    });
  };
  auto clientProtocol = recorder(client);
  clientProtocol->onData = [&](TestProtocol& p, std::string_view d) {
    log.push_back(std::string(d) + "@" + std::to_string(clock.seconds()));
    if (d == "tick") {
      p.transport()->write("tock");
    }
  };
  auto pump =
      connectedServerAndClient(std::move(serverProtocol), std::move(clientProtocol), options);
  pump->advance(4s);
  CHECK(client.received.empty());
  pump->advance(1s);  // the timer writes; the reply and its zero-delay answer follow, at 5 s
  CHECK(client.received == "tickre:tock");
  CHECK(log == std::vector<std::string>{"tick@5.000000", "re:tock@5.000000"});
  CHECK(clock.seconds() == 5.0);
  CHECK_THROWS_AS(pump->advance(-1s), ValueError);
}

TEST_CASE("advance() without a clock is a ValueError", "[transports][loopback]") {
  Events server;
  Events client;
  auto pump = connectedServerAndClient(recorder(server), recorder(client));
  CHECK_THROWS_AS(pump->advance(1s), ValueError);
}

// NOLINTNEXTLINE(readability-function-cognitive-complexity): Catch2 assertion macros
TEST_CASE("connectedServerAndClient builds from factories, with the options' addresses",
          "[transports][loopback]") {
  Events server;
  Events client;
  LoopbackOptions options;
  options.serverAddress = Address::ipv4("10.0.0.1", 80);
  options.clientAddress = Address::ipv4("10.0.0.2", 5555);
  auto clientFactory = std::make_shared<TestClientFactory>(client, [](TestProtocol& p) {
    p.onMade = [](TestProtocol& s) { s.transport()->write("hi"); };
  });
  auto pump = connectedServerAndClient(testFactory(server), clientFactory, options);
  pump->pump();
  CHECK(clientFactory->built == 1);
  CHECK(server.received == "hi");
  CHECK(pump->serverTransport().getHost() == options.serverAddress);
  CHECK(pump->serverTransport().getPeer() == options.clientAddress);
  CHECK(pump->clientTransport().getHost() == options.clientAddress);
  CHECK(pump->clientTransport().getPeer() == options.serverAddress);
  CHECK(&pump->clientAs<TestProtocol>() == &pump->client());
  CHECK_THROWS_AS(pump->serverAs<EchoProtocol>(), std::bad_cast);
}

// NOLINTNEXTLINE(readability-function-cognitive-complexity): Catch2 assertion macros
TEST_CASE("connectedServerAndClient rejects a refusing factory and bad options",
          "[transports][loopback]") {
  Events client;
  auto refusing = Factory::fromFunction([](const Address&) { return std::unique_ptr<Protocol>(); });
  CHECK_THROWS_AS(connectedServerAndClient(refusing, std::make_shared<TestClientFactory>(client)),
                  ValueError);
  CHECK_THROWS_WITH(connectedServerAndClient(refusing, std::make_shared<TestClientFactory>(client)),
                    Catch::Matchers::Contains("refused"));
  LoopbackOptions zero;
  zero.bufferLimit = 0;
  CHECK_THROWS_AS(connectedServerAndClient(std::make_unique<EchoProtocol>(),
                                           std::make_unique<EchoProtocol>(), zero),
                  ValueError);
  LoopbackOptions inverted;
  inverted.lowWatermark = inverted.highWatermark + 1;
  CHECK_THROWS_AS(connectedServerAndClient(std::make_unique<EchoProtocol>(),
                                           std::make_unique<EchoProtocol>(), inverted),
                  ValueError);
}

TEST_CASE("Over the pump an exception from dataReceived is logged and aborts the connection",
          "[transports][loopback]") {
  CapturedLog captured;
  Events server;
  Events client;
  auto serverProtocol = recorder(server);
  serverProtocol->onData = [](TestProtocol&, std::string_view) {
    throw std::runtime_error("parser exploded");
  };
  auto pump = connectedServerAndClient(
      std::move(serverProtocol),
      recorder(client, [](TestProtocol& p) { p.transport()->write("boom"); }));
  pump->pump();
  REQUIRE(server.reason);
  REQUIRE(client.reason);
  CHECK(server.reason->what() == "parser exploded");
  CHECK(client.reason->check<ConnectionLost>());
  CHECK(captured.contains("dataReceived"));
}

TEST_CASE("Protocols given by reference stay the test's, detached when the pump goes",
          "[transports][loopback]") {
  Events server;
  Events client;
  TestProtocol serverProtocol(server);
  TestProtocol clientProtocol(client);
  {
    LoopbackPump pump(serverProtocol, clientProtocol);
    CHECK(serverProtocol.transport() == &pump.serverTransport());
    clientProtocol.transport()->write("x");
    pump.pump();
  }
  CHECK(server.received == "x");
  CHECK(serverProtocol.transport() == nullptr);
  CHECK(clientProtocol.transport() == nullptr);
  CHECK(server.lost == 0);  // destroying the pump runs no hook
}
