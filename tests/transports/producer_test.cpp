// Flow control: pausing a transport's reading, and push/pull producers on a transport.
#include <memory>
#include <string>

#include <catch2/catch.hpp>

#include <torsion/transports/ipull_producer.hpp>
#include <torsion/transports/ipush_producer.hpp>

#include "transports_test_support.hpp"

using namespace torsion;        // NOLINT(google-build-using-namespace): test file
using namespace torsion::test;  // NOLINT(google-build-using-namespace): test file

TEST_CASE("pauseProducing stops dataReceived until resumeProducing", "[transports][producer]") {
  Events server;
  Events client;
  Harness h(anyBackend());
  int receivedWhilePaused = -1;
  IListeningPort& port = h.reactor.listenTCP(
      0, testFactory(server, std::function<void(TestProtocol&)>([&](TestProtocol& p) {
                       p.onMade = [&](TestProtocol& self) {
                         self.transport()->pauseProducing();
                         h.reactor.callLater(200ms, [&, transport = self.transport()] {
                           receivedWhilePaused = server.dataCalls;
                           transport->resumeProducing();
                         });
                       };
                       p.onData = [&h](TestProtocol&, std::string_view) { h.stop(); };
                     })),
      50, "127.0.0.1");
  auto factory = std::make_shared<TestClientFactory>(client, [](TestProtocol& p) {
    p.onMade = [](TestProtocol& self) { self.transport()->write("held back"); };
  });
  h.reactor.connectTCP("127.0.0.1", port.getHost().port(), factory);
  h.run();
  CHECK(receivedWhilePaused == 0);
  CHECK(server.received == "held back");
}

namespace {

// Writes 16 KiB chunks on every turn while not paused, until `total` bytes are out.
class ChunkPusher final : public IPushProducer {
 public:
  ChunkPusher(Reactor& reactor, ITransport& transport, std::size_t total)
      : reactor_(reactor), transport_(transport), total_(total) {}

  void start() { schedule(); }

  void pauseProducing() override {
    ++pauses;
    paused_ = true;
  }

  void resumeProducing() override {
    ++resumes;
    paused_ = false;
    schedule();
  }

  void stopProducing() override { stopped = true; }

  int pauses = 0;
  int resumes = 0;
  bool stopped = false;

 private:
  void schedule() {
    if (!call_.active()) {
      call_ = reactor_.callLater(0s, [this] { produce(); });
    }
  }

  void produce() {
    while (!paused_ && sent_ < total_) {
      transport_.write(std::string(16 * 1024, 'p'));
      sent_ += 16 * 1024;
    }
    if (sent_ >= total_) {
      transport_.unregisterProducer();
      transport_.loseConnection();
    }
  }

  Reactor& reactor_;
  ITransport& transport_;
  std::size_t total_;
  std::size_t sent_ = 0;
  bool paused_ = false;
  DelayedCall call_;
};

// Writes one chunk per request, `count` times.
class ChunkPuller final : public IPullProducer {
 public:
  ChunkPuller(ITransport& transport, int count) : transport_(transport), left_(count) {}

  void resumeProducing() override {
    if (left_-- > 0) {
      transport_.write("chunk;");
    } else {
      transport_.unregisterProducer();
      transport_.loseConnection();
    }
  }

  void stopProducing() override {}

 private:
  ITransport& transport_;
  int left_;
};

}  // namespace

TEST_CASE("A push producer is paused above the high watermark and resumed as the buffer drains",
          "[transports][producer]") {
  constexpr std::size_t kTotal = 8 << 20;
  Events server;
  Events client;
  Harness h(anyBackend());
  std::unique_ptr<ChunkPusher> pusher;
  IListeningPort& port = h.reactor.listenTCP(
      0, testFactory(server, std::function<void(TestProtocol&)>([&](TestProtocol& p) {
                       p.onMade = [&](TestProtocol& self) {
                         pusher =
                             std::make_unique<ChunkPusher>(h.reactor, *self.transport(), kTotal);
                         self.transport()->registerProducer(*pusher, true);
                         pusher->start();
                       };
                     })),
      50, "127.0.0.1");
  auto factory = std::make_shared<TestClientFactory>(client, [&](TestProtocol& p) {
    // The client reads slowly at first: paused for 200 ms, so the server's buffer fills.
    p.onMade = [&](TestProtocol& self) {
      self.transport()->pauseProducing();
      h.reactor.callLater(200ms, [transport = self.transport()] { transport->resumeProducing(); });
    };
    p.onLost = [&h](TestProtocol&, const Failure&) { h.stop(); };
  });
  h.reactor.connectTCP("127.0.0.1", port.getHost().port(), factory);
  h.run();
  REQUIRE(pusher);
  CHECK(pusher->pauses >= 1);
  CHECK(pusher->resumes >= 1);
  CHECK(client.received.size() == kTotal);
  CHECK(client.reason->check<ConnectionDone>());
}

TEST_CASE("A pull producer is asked for a chunk each time the buffer drains",
          "[transports][producer]") {
  Events server;
  Events client;
  Harness h(anyBackend());
  std::unique_ptr<ChunkPuller> puller;
  IListeningPort& port = h.reactor.listenTCP(
      0, testFactory(server, std::function<void(TestProtocol&)>([&](TestProtocol& p) {
                       p.onMade = [&](TestProtocol& self) {
                         puller = std::make_unique<ChunkPuller>(*self.transport(), 50);
                         self.transport()->registerProducer(*puller, false);
                       };
                     })),
      50, "127.0.0.1");
  auto factory = std::make_shared<TestClientFactory>(client, [&h](TestProtocol& p) {
    p.onLost = [&h](TestProtocol&, const Failure&) { h.stop(); };
  });
  h.reactor.connectTCP("127.0.0.1", port.getHost().port(), factory);
  h.run();
  std::string expected;
  for (int i = 0; i < 50; ++i) {
    expected += "chunk;";
  }
  CHECK(client.received == expected);
}

TEST_CASE("registerProducer rejects a second producer and the wrong kind",
          "[transports][producer]") {
  Events server;
  Events client;
  Harness h(anyBackend());
  IListeningPort& port = h.reactor.listenTCP(
      0,
      testFactory(server, std::function<void(TestProtocol&)>([&h](TestProtocol& p) {
                    p.onMade = [&h](TestProtocol& self) {
                      ChunkPuller puller(*self.transport(), 0);
                      CHECK_THROWS_AS(self.transport()->registerProducer(puller, true), ValueError);
                      self.transport()->registerProducer(puller, false);
                      CHECK_THROWS_AS(self.transport()->registerProducer(puller, false),
                                      ValueError);
                      self.transport()->unregisterProducer();
                      h.stop();
                    };
                  })),
      50, "127.0.0.1");
  h.reactor.connectTCP("127.0.0.1", port.getHost().port(),
                       std::make_shared<TestClientFactory>(client));
  h.run();
  CHECK(server.made == 1);
}
