// torsion::Reactor on a libuv loop that the host runs with its own uv_run (ReactorOptions::uvLoop),
// never calling run() or iterate(): TCP listening, connecting, reading and writing all happen
// inside the host's uv_run, as with any libuv library. Each wait is bounded by UvHostLoop's guard.
#include "../reactor/uv_host_loop.hpp"

#include <memory>
#include <string>
#include <string_view>

#include <catch2/catch.hpp>

#include "transports_test_support.hpp"

using namespace torsion;        // NOLINT(google-build-using-namespace): test file
using namespace torsion::test;  // NOLINT(google-build-using-namespace): test file

TEST_CASE("A TCP echo runs entirely inside the host's own uv_run", "[transports][tcp][uv]") {
  // Large enough that writes back up and torsion must wait for writability too.
  const std::string payload = pattern(std::size_t{1} << 18);
  Events server;
  Events client;
  UvHostLoop host;
  {
    Reactor reactor(host.options());
    IListeningPort& port = reactor.listenTCP(
        0, testFactory(server, std::function<void(TestProtocol&)>([](TestProtocol& p) {
                         p.onData = [](TestProtocol& self, std::string_view data) {
                           self.transport()->write(data);
                         };
                       })),
        50, "127.0.0.1");
    auto factory = std::make_shared<TestClientFactory>(client, [&](TestProtocol& p) {
      p.onMade = [&payload](TestProtocol& self) { self.transport()->write(payload); };
      p.onData = [&](TestProtocol& self, std::string_view) {
        if (client.received.size() >= payload.size()) {
          self.transport()->loseConnection();
        }
      };
      p.onLost = [&host](TestProtocol&, const Failure&) { host.stop(); };
    });
    reactor.connectTCP("127.0.0.1", port.getHost().port(), factory);
    REQUIRE(host.runDefault());
    CHECK(client.received.size() == payload.size());
    CHECK(client.received == payload);
    CHECK(client.lost == 1);

    bool stopped = false;
    port.stopListening([&stopped] { stopped = true; });
    REQUIRE(host.runOnceUntil([&] { return stopped && server.lost == 1; }));
    CHECK(server.made == 1);
    CHECK(server.lost == 1);
    CHECK(server.received == payload);
    CHECK(reactor.liveTransports() == 0);
  }
  REQUIRE(host.close() == 0);
}
