// UNIX stream sockets: echo, stale-socket takeover, live-socket refusal, abstract names.
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <torsion/transports/itcp_transport.hpp>

#include "transports_test_support.hpp"

using namespace torsion;        // NOLINT(google-build-using-namespace): test file
using namespace torsion::test;  // NOLINT(google-build-using-namespace): test file

namespace {

// A fresh temporary directory, removed with everything in it.
struct TempDir {
  TempDir() {
    std::string templ = (std::filesystem::temp_directory_path() / "torsion-unix-XXXXXX").string();
    REQUIRE(::mkdtemp(templ.data()) != nullptr);
    path = templ;
  }

  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }

  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  TempDir(TempDir&&) = delete;
  TempDir& operator=(TempDir&&) = delete;

  [[nodiscard]] std::string file(const std::string& name) const { return (path / name).string(); }

  std::filesystem::path path;
};

// A raw UNIX socket bound at `path`; listening if asked.
int rawUnixSocket(const std::string& path, bool listening) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  path.copy(a.sun_path, sizeof a.sun_path - 1);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);  // NOLINT
  if (listening) {
    REQUIRE(::listen(fd, 5) == 0);
  }
  return fd;
}

void echoOver(Harness& h, const std::string& path, Events& client) {
  auto factory = std::make_shared<TestClientFactory>(client, [&h](TestProtocol& p) {
    p.onMade = [](TestProtocol& self) { self.transport()->write("over unix"); };
    p.onData = [&h](TestProtocol&, std::string_view) { h.stop(); };
  });
  factory->onFailed = [&h](IConnector&, const Failure& f) {
    FAIL_CHECK(f.what());
    h.stop();
  };
  h.reactor.connectUNIX(path, factory);
  h.run();
}

}  // namespace

TEST_CASE("A UNIX socket server echoes, sets the file mode, and removes its file on stop",
          "[transports][unix]") {
  TempDir dir;
  const std::string path = dir.file("echo.sock");
  Events client;
  Harness h(anyBackend());
  IListeningPort& port = h.reactor.listenUNIX(path, Factory::forProtocol<EchoProtocol>(), 50, 0600);
  CHECK(port.getHost().family() == AddressFamily::kUnix);
  CHECK(port.getHost().path() == path);

  struct stat st {};

  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  echoOver(h, path, client);
  CHECK(client.received == "over unix");
  CHECK_FALSE(std::filesystem::exists(path));  // the shutdown stopped the port
}

TEST_CASE("listenUNIX replaces a stale socket file left by a dead process", "[transports][unix]") {
  TempDir dir;
  const std::string path = dir.file("stale.sock");
  ::close(rawUnixSocket(path, true));  // bound and closed: the file stays, nobody listens
  REQUIRE(std::filesystem::exists(path));
  Events client;
  Harness h(anyBackend());
  h.reactor.listenUNIX(path, Factory::forProtocol<EchoProtocol>());
  echoOver(h, path, client);
  CHECK(client.received == "over unix");
}

TEST_CASE("listenUNIX does not steal a socket a live process listens on", "[transports][unix]") {
  TempDir dir;
  const std::string path = dir.file("live.sock");
  const int live = rawUnixSocket(path, true);
  Harness h(anyBackend());
  try {
    h.reactor.listenUNIX(path, Factory::forProtocol<EchoProtocol>());
    FAIL("listenUNIX should have thrown");
  } catch (const CannotListenError& e) {
    CHECK(std::string(e.what()).find("live") != std::string::npos);
  }
  CHECK(std::filesystem::exists(path));
  // The live listener still works: a connection reaches it.
  Events client;
  h.reactor.connectUNIX(path, std::make_shared<TestClientFactory>(client, [&h](TestProtocol& p) {
                          p.onMade = [&h](TestProtocol&) { h.stop(); };
                        }));
  h.run();
  CHECK(client.made == 1);
  ::close(live);
}

TEST_CASE("Abstract-namespace UNIX sockets listen and connect without a file",
          "[transports][unix]") {
  const std::string name = std::string(1, '\0') + "torsion-test-" + std::to_string(::getpid()) +
                           "-" + std::to_string(reinterpret_cast<std::uintptr_t>(&name));  // NOLINT
  Events client;
  Harness h(anyBackend());
  IListeningPort& port = h.reactor.listenUNIX(name, Factory::forProtocol<EchoProtocol>());
  CHECK(port.getHost().isAbstract());
  CHECK(port.getHost().toString().front() == '@');
  echoOver(h, name, client);
  CHECK(client.received == "over unix");
}

TEST_CASE("Connecting to a missing UNIX socket fails with a ConnectError naming the path",
          "[transports][unix]") {
  TempDir dir;
  Events client;
  Harness h(anyBackend());
  auto factory = std::make_shared<TestClientFactory>(client);
  factory->onFailed = [&h](IConnector&, const Failure&) { h.stop(); };
  h.reactor.connectUNIX(dir.file("missing.sock"), factory);
  h.run();
  REQUIRE(factory->failure);
  CHECK(factory->failure->check<ConnectError>());
  CHECK(factory->failure->what().find("missing.sock") != std::string::npos);
}

TEST_CASE("UNIX connections half-close, and refuse TCP-only options", "[transports][unix]") {
  TempDir dir;
  const std::string path = dir.file("half.sock");
  Events server;
  Events client;
  Harness h(anyBackend());
  h.reactor.listenUNIX(
      path, testFactory<HalfCloseProtocol>(
                server, std::function<void(HalfCloseProtocol&)>([](HalfCloseProtocol& p) {
                  p.onReadLost = [](HalfCloseProtocol& self) {
                    self.transport()->write("answer");
                    self.transport()->loseConnection();
                  };
                })));
  auto factory = std::make_shared<TestClientFactory>(client, [&h](TestProtocol& p) {
    p.onMade = [](TestProtocol& self) {
      auto& tcp = dynamic_cast<ITCPTransport&>(*self.transport());
      CHECK_THROWS_AS(tcp.setTcpNoDelay(true), ValueError);
      CHECK_FALSE(tcp.getTcpNoDelay());
      self.transport()->write("question");
      tcp.loseWriteConnection();
    };
    p.onLost = [&h](TestProtocol&, const Failure&) { h.stop(); };
  });
  h.reactor.connectUNIX(path, factory);
  h.run();
  CHECK(server.received == "question");
  CHECK(client.received == "answer");
  CHECK(client.reason->check<ConnectionDone>());
}
