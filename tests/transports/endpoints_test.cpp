// Endpoint descriptions: parsing, escaping, errors, registration, and real connections.
#include <filesystem>
#include <memory>
#include <string>

#include <unistd.h>

#include <catch2/catch.hpp>

#include <torsion/transports/endpoints.hpp>

#include "transports_test_support.hpp"

using namespace torsion;        // NOLINT(google-build-using-namespace): test file
using namespace torsion::test;  // NOLINT(google-build-using-namespace): test file

namespace {

// The message of the EndpointParseError `description` raises, or "" if it parses.
template <class Make>
std::string parseError(Make make) {
  try {
    make();
  } catch (const EndpointParseError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("Endpoint descriptions split into type, positional and keyword parts",
          "[transports][endpoints]") {
  const auto d = EndpointDescription::parse("tcp:8080:interface=127.0.0.1:backlog=50");
  CHECK(d.type == "tcp");
  CHECK(d.args == std::vector<std::string>{"8080"});
  CHECK(d.get("interface") == "127.0.0.1");
  CHECK(d.get("backlog") == "50");
  CHECK_FALSE(d.get("port"));
}

TEST_CASE("Backslash escapes ':' and '=' in endpoint descriptions", "[transports][endpoints]") {
  const auto d = EndpointDescription::parse(R"(tcp6:8080:interface=\:\:1)");
  CHECK(d.get("interface") == "::1");
  const auto u = EndpointDescription::parse(R"(unix:/tmp/a\:b\=c\\d:mode=660)");
  CHECK(u.args == std::vector<std::string>{R"(/tmp/a:b=c\d)"});
  const auto v = EndpointDescription::parse("unix:path=a=b");  // only the first '=' splits
  CHECK(v.get("path") == "a=b");
  CHECK(quoteEndpointArgument(R"(a:b=c\d)") == R"(a\:b\=c\\d)");
  CHECK(EndpointDescription::parse("unix:" + quoteEndpointArgument("/x:y=z")).args.at(0) ==
        "/x:y=z");
}

TEST_CASE("A malformed endpoint description fails with an error naming the bad part",
          "[transports][endpoints]") {
  Reactor reactor(quietOptions(ReactorBackend::kPoll));
  CHECK(parseError([&] { (void)serverFromString(reactor, "tcp:notaport"); }).find("'notaport'") !=
        std::string::npos);
  CHECK(parseError([&] { (void)serverFromString(reactor, "tcp:99999"); }).find("99999") !=
        std::string::npos);
  CHECK(parseError([&] { (void)serverFromString(reactor, "bogus:80"); }).find("'bogus'") !=
        std::string::npos);
  CHECK(parseError([&] {
          (void)serverFromString(reactor, "tcp:80:colour=red");
        }).find("'colour'") != std::string::npos);
  CHECK(parseError([&] {
          (void)serverFromString(reactor, "tcp:interface=127.0.0.1");
        }).find("missing port") != std::string::npos);
  CHECK(parseError([&] { (void)serverFromString(reactor, "unix:/x:mode=999"); }).find("mode") !=
        std::string::npos);
  CHECK(parseError([&] { (void)serverFromString(reactor, ""); }).find("empty") !=
        std::string::npos);
  CHECK(parseError([&] { (void)serverFromString(reactor, "tcp:80\\"); }).find("backslash") !=
        std::string::npos);
  CHECK(parseError([&] { (void)clientFromString(reactor, "tcp:port=80"); }).find("missing host") !=
        std::string::npos);
  CHECK(parseError([&] {
          (void)clientFromString(reactor, "tcp:host=a:port=1:timeout=soon");
        }).find("'soon'") != std::string::npos);
  CHECK(parseError([&] { (void)clientFromString(reactor, "tcp:a:1:extra"); }).find("'extra'") !=
        std::string::npos);
  CHECK(parseError([&] { (void)clientFromString(reactor, "unix:"); }).find("path") !=
        std::string::npos);
  // An empty first part is an empty type, not a gap before the type (found by the fuzzer).
  CHECK(parseError([&] { (void)serverFromString(reactor, ":tcp:80"); }).find("no endpoint type") !=
        std::string::npos);
  CHECK(parseError([&] {
          (void)clientFromString(reactor, "::tcp:a:1");
        }).find("no endpoint type") != std::string::npos);
}

TEST_CASE("serverFromString and clientFromString connect over TCP", "[transports][endpoints]") {
  Events client;
  Harness h(anyBackend());
  auto server = serverFromString(h.reactor, "tcp:0:interface=127.0.0.1:backlog=10");
  IListeningPort& port = server->listen(Factory::forProtocol<EchoProtocol>());
  auto endpoint = clientFromString(
      h.reactor, "tcp:host=127.0.0.1:port=" + std::to_string(port.getHost().port()) + ":timeout=5");
  Protocol* connected = nullptr;
  int madeBeforeCallback = -1;
  endpoint->connect(
      testFactory(client, std::function<void(TestProtocol&)>([&h](TestProtocol& p) {
                    p.onData = [&h](TestProtocol&, std::string_view) { h.stop(); };
                  })),
      [&](Protocol& p) {
        connected = &p;
        madeBeforeCallback = client.made;
        p.transport()->write("via endpoints");
      },
      [&h](const Failure& f) {
        FAIL_CHECK(f.what());
        h.stop();
      });
  h.run();
  CHECK(connected != nullptr);
  CHECK(madeBeforeCallback == 1);
  CHECK(client.received == "via endpoints");
}

TEST_CASE("tcp6 and unix endpoint strings listen and connect", "[transports][endpoints]") {
  const auto backend = anyBackend();
  const bool unix = GENERATE(false, true);
  const std::string path = (std::filesystem::temp_directory_path() /
                            ("torsion-ep-" + std::to_string(::getpid()) + ".sock"))
                               .string();
  Events client;
  Harness h(backend);
  std::string clientDescription;
  try {
    if (unix) {
      serverFromString(h.reactor, "unix:" + quoteEndpointArgument(path) + ":mode=600")
          ->listen(Factory::forProtocol<EchoProtocol>());
      clientDescription = "unix:path=" + quoteEndpointArgument(path);
    } else {
      IListeningPort& port = serverFromString(h.reactor, R"(tcp6:0:interface=\:\:1)")
                                 ->listen(Factory::forProtocol<EchoProtocol>());
      clientDescription = R"(tcp6:host=\:\:1:port=)" + std::to_string(port.getHost().port());
    }
  } catch (const CannotListenError& e) {
    WARN("skipped: " << e.what());
    return;
  }
  clientFromString(h.reactor, clientDescription)
      ->connect(
          testFactory(client, std::function<void(TestProtocol&)>([&h](TestProtocol& p) {
                        p.onMade = [](TestProtocol& self) { self.transport()->write("ok"); };
                        p.onData = [&h](TestProtocol&, std::string_view) { h.stop(); };
                      })),
          [](Protocol&) {},
          [&h](const Failure& f) {
            FAIL_CHECK(f.what());
            h.stop();
          });
  h.run();
  CHECK(client.received == "ok");
  CHECK_FALSE(std::filesystem::exists(path));
}

TEST_CASE("A client endpoint reports a refused connection through onFailed",
          "[transports][endpoints]") {
  Harness h(anyBackend());
  // A port that was just free: listen, note it, stop.
  std::uint16_t port = 0;
  {
    Reactor other(quietOptions(ReactorBackend::kPoll));
    port =
        other.listenTCP(0, Factory::forProtocol<EchoProtocol>(), 1, "127.0.0.1").getHost().port();
  }
  Events client;
  std::optional<Failure> failure;
  clientFromString(h.reactor, "tcp:127.0.0.1:" + std::to_string(port))
      ->connect(
          testFactory(client), [](Protocol&) { FAIL_CHECK("should not connect"); },
          [&](const Failure& f) {
            failure.emplace(f);
            h.stop();
          });
  h.run();
  REQUIRE(failure);
  CHECK(failure->check<ConnectionRefusedError>());
}

TEST_CASE("New endpoint types can be registered", "[transports][endpoints]") {
  // "loopback:PORT" is tcp on 127.0.0.1.
  registerServerEndpointType(
      "loopback", [](EndpointReactors reactors, const EndpointDescription& d) {
        return std::unique_ptr<IStreamServerEndpoint>(std::make_unique<TCPServerEndpoint>(
            *reactors.tcp, static_cast<std::uint16_t>(std::stoi(d.args.at(0))), 50, "127.0.0.1"));
      });
  Harness h(anyBackend());
  IListeningPort& port =
      serverFromString(h.reactor, "loopback:0")->listen(Factory::forProtocol<EchoProtocol>());
  CHECK(port.getHost().host() == "127.0.0.1");
  h.reactor.callLater(0s, [&h] { h.stop(); });
  h.run();
}
