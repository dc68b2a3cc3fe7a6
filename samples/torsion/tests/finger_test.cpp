// The finger service with the testing kit: the users-file parser, FingerProtocol over a
// StringTransportWithDisconnection (every query fed in every chunk size), and FingerService's
// wiring on a MemoryReactorClock. tests/finger_driver.py runs the program itself.
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <stdlib.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <torsion/deferred/deferred.hpp>
#include <torsion/deferred/error.hpp>
#include <torsion/testing/deferred_assertions.hpp>
#include <torsion/testing/memory_reactor_clock.hpp>
#include <torsion/testing/string_transport_with_disconnection.hpp>
#include <torsion/testing/unhandled_failure_guard.hpp>
#include <torsion/transports/address.hpp>
#include <torsion/transports/errors.hpp>

#include "finger_service.hpp"

using namespace std::chrono_literals;  // NOLINT(google-build-using-namespace): test file

using torsion::cli::FingerFactory;
using torsion::cli::FingerUsers;
using torsion::cli::parseFingerUsers;
using torsion::testing::StringTransportWithDisconnection;

namespace {

FingerUsers sampleUsers() {
  return FingerUsers{{"alice", "Happy and well"}, {"bob", "Out to lunch"}};
}

/// Opens a connection to `factory`, sends `query` in chunks of `chunk` bytes and returns what
/// the server wrote; `closed` says whether it closed the connection.
std::string ask(FingerFactory& factory, std::string_view query, std::size_t chunk, bool& closed) {
  std::unique_ptr<torsion::Protocol> protocol =
      factory.buildProtocol(torsion::Address::ipv4("127.0.0.1", 1));
  StringTransportWithDisconnection transport;
  transport.connect(*protocol);
  for (std::size_t i = 0; i < query.size() && protocol->connected(); i += chunk) {
    protocol->dataReceived(query.substr(i, chunk));
  }
  closed = transport.closed();
  return transport.value();
}

std::string ask(FingerFactory& factory, std::string_view query, std::size_t chunk = 1000) {
  bool closed = false;
  std::string answer = ask(factory, query, chunk, closed);
  CHECK(closed);
  return answer;
}

/// A file under the temporary directory holding `text`, removed on destruction.
class TempFile {
 public:
  explicit TempFile(std::string_view text) {
    std::string pattern = (std::filesystem::temp_directory_path() / "finger-users-XXXXXX").string();
    const int fd = ::mkstemp(pattern.data());
    REQUIRE(fd >= 0);
    ::close(fd);
    path_ = pattern;
    std::ofstream(path_, std::ios::binary) << text;
  }

  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  TempFile(TempFile&&) = delete;
  TempFile& operator=(TempFile&&) = delete;

  ~TempFile() {
    std::error_code ignored;
    std::filesystem::remove(path_, ignored);
  }

  [[nodiscard]] const std::filesystem::path& path() const noexcept { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace

TEST_CASE("parseFingerUsers reads 'user: text' lines, skipping comments and blank lines",
          "[cli][finger]") {
  const FingerUsers users = parseFingerUsers(
      "# the users\n"
      "alice: Happy and well\r\n"  // CRLF line ends work too
      "\n"
      "   \t\n"
      "  bob :   Out to lunch, back at 2: maybe  \n"
      "carol:\n"  // an empty text is allowed
      "dave: no newline at the end",
      "users.txt");
  CHECK(users == FingerUsers{{"alice", "Happy and well"},
                             {"bob", "Out to lunch, back at 2: maybe"},
                             {"carol", ""},
                             {"dave", "no newline at the end"}});
  CHECK(parseFingerUsers("", "empty.txt").empty());
}

TEST_CASE("parseFingerUsers rejects a malformed line, naming the file and the line",
          "[cli][finger]") {
  CHECK_THROWS_WITH(parseFingerUsers("alice: ok\n# fine\nbogus line\n", "u.txt"),
                    "u.txt:3: expected 'user: text', got 'bogus line'");
  CHECK_THROWS_WITH(
      parseFingerUsers("two words: no\n", "u.txt"),
      "u.txt:1: bad user name 'two words' (it must be non-empty, without spaces, tabs or '@')");
  CHECK_THROWS_WITH(
      parseFingerUsers("\n: nobody\n", "u.txt"),
      "u.txt:2: bad user name '' (it must be non-empty, without spaces, tabs or '@')");
  CHECK_THROWS_WITH(
      parseFingerUsers("al@host: no\n", "u.txt"),
      "u.txt:1: bad user name 'al@host' (it must be non-empty, without spaces, tabs or '@')");
  CHECK_THROWS_WITH(parseFingerUsers("alice: one\nbob: b\nalice: two\n", "u.txt"),
                    "u.txt:3: user 'alice' is already listed on line 1");
  CHECK_THROWS_AS(parseFingerUsers("nope", "u.txt"), torsion::ValueError);
}

TEST_CASE("loadFingerUsers reads a file and names a file it cannot read", "[cli][finger]") {
  TempFile file("alice: from a file\n");
  CHECK(torsion::cli::loadFingerUsers(file.path()) == FingerUsers{{"alice", "from a file"}});

  TempFile bad("alice: ok\nno colon here\n");
  CHECK_THROWS_WITH(torsion::cli::loadFingerUsers(bad.path()),
                    bad.path().string() + ":2: expected 'user: text', got 'no colon here'");

  const std::filesystem::path missing = file.path().string() + "-missing";
  CHECK_THROWS_WITH(torsion::cli::loadFingerUsers(missing),
                    "cannot read users file '" + missing.string() + "': No such file or directory");
  CHECK_THROWS_WITH(torsion::cli::loadFingerUsers(file.path().parent_path()),
                    Catch::Contains("it is a directory"));
}

TEST_CASE("finger answers a user's line or 'No such user', then closes", "[cli][finger]") {
  torsion::testing::UnhandledFailureGuard guard;
  FingerFactory factory(sampleUsers());
  const auto chunk = static_cast<std::size_t>(GENERATE(range(1, 10)));
  CHECK(ask(factory, "alice\r\n", chunk) == "Happy and well\r\n");
  CHECK(ask(factory, "bob\n", chunk) == "Out to lunch\r\n");  // LF alone, as nc sends
  CHECK(ask(factory, "  bob \t\r\n", chunk) == "Out to lunch\r\n");
  CHECK(ask(factory, "mallory\r\n", chunk) == "No such user\r\n");
  CHECK(ask(factory, "Alice\r\n", chunk) == "No such user\r\n");  // names are case-sensitive
}

TEST_CASE("finger lists the users for an empty query and ignores RFC 1288's /W", "[cli][finger]") {
  torsion::testing::UnhandledFailureGuard guard;
  FingerFactory factory(sampleUsers());
  const auto chunk = static_cast<std::size_t>(GENERATE(range(1, 10)));
  CHECK(ask(factory, "\r\n", chunk) == "alice\r\nbob\r\n");
  CHECK(ask(factory, "/W\r\n", chunk) == "alice\r\nbob\r\n");
  CHECK(ask(factory, "/W alice\r\n", chunk) == "Happy and well\r\n");
  CHECK(ask(factory, "/Walice\r\n", chunk) == "No such user\r\n");  // "/W" must stand alone

  FingerFactory nobody(FingerUsers{});
  CHECK(ask(nobody, "\r\n", chunk).empty());
}

TEST_CASE("finger refuses to forward user@host queries", "[cli][finger]") {
  torsion::testing::UnhandledFailureGuard guard;
  FingerFactory factory(sampleUsers());
  CHECK(ask(factory, "alice@elsewhere.example\r\n") == "Finger forwarding service denied\r\n");
  CHECK(ask(factory, "@elsewhere.example\r\n") == "Finger forwarding service denied\r\n");
}

TEST_CASE("finger answers only the first query of a connection", "[cli][finger]") {
  torsion::testing::UnhandledFailureGuard guard;
  FingerFactory factory(sampleUsers());
  const auto chunk = static_cast<std::size_t>(GENERATE(range(1, 10)));
  CHECK(ask(factory, "alice\r\nbob\r\n\r\n", chunk) == "Happy and well\r\n");
}

TEST_CASE("finger drops a connection whose query is too long, unanswered", "[cli][finger]") {
  torsion::testing::UnhandledFailureGuard guard;
  FingerFactory factory(sampleUsers());
  bool closed = false;
  const std::string query(torsion::cli::FingerProtocol::kMaxQueryLength + 1, 'x');
  CHECK(ask(factory, query + "\r\n", 100, closed).empty());
  CHECK(closed);
  // Not even a delimiter is needed: an unterminated query that long is refused as well.
  CHECK(ask(factory, query + "xxxx", 100, closed).empty());
  CHECK(closed);
  // A query of exactly the limit is still answered.
  CHECK(ask(factory, std::string(torsion::cli::FingerProtocol::kMaxQueryLength, 'x') + "\n") ==
        "No such user\r\n");
}

TEST_CASE("a connection that sends nothing gets nothing and stays open", "[cli][finger]") {
  torsion::testing::UnhandledFailureGuard guard;
  FingerFactory factory(sampleUsers());
  bool closed = true;
  CHECK(ask(factory, "ali", 1, closed).empty());
  CHECK_FALSE(closed);
}

TEST_CASE("FingerService answers on every endpoint and closes them when stopped", "[cli][finger]") {
  torsion::testing::UnhandledFailureGuard guard;
  torsion::testing::MemoryReactorClock reactor;
  torsion::cli::FingerService finger(reactor, reactor,
                                     {"tcp:1079:interface=127.0.0.1", "unix:/tmp/finger.sock"},
                                     sampleUsers(), 5s);
  CHECK_THROWS_AS(torsion::cli::FingerService(reactor, reactor, {"tcp:nope"}, sampleUsers(), 5s),
                  torsion::EndpointParseError);
  CHECK(finger.factory().userNames() == std::vector<std::string>{"alice", "bob"});
  finger.startService();
  REQUIRE(reactor.tcpServers().size() == 1);
  REQUIRE(reactor.unixServers().size() == 1);
  CHECK(reactor.tcpServers()[0].port == 1079);

  auto* tcp = reactor.tcpServers()[0].listeningPort->accept();
  tcp->protocol()->dataReceived("bob\r\n");
  CHECK(tcp->value() == "Out to lunch\r\n");
  CHECK(tcp->closed());
  auto* local = reactor.unixServers()[0].listeningPort->accept();
  auto* idle = reactor.unixServers()[0].listeningPort->accept();
  local->protocol()->dataReceived("\n");
  CHECK(local->value() == "alice\r\nbob\r\n");

  torsion::Deferred<void> stopped = finger.stopService();
  reactor.advance(0s);
  torsion::testing::successResultOf(stopped);
  CHECK_FALSE(reactor.tcpServers()[0].listeningPort->listening());
  CHECK(idle->closed());  // a silent client is closed by the stop, unanswered
  CHECK(idle->value().empty());
}

TEST_CASE("the finger command listens on 127.0.0.1:1079 by default and takes --users",
          "[cli][finger]") {
  const torsion::cli::ServiceCommand command = torsion::cli::fingerCommand();
  CHECK(command.name == "finger");
  CHECK(command.defaultListen == std::vector<std::string>{"tcp:1079:interface=127.0.0.1"});
  REQUIRE(command.options.size() == 1);
  CHECK(command.options[0].name == "--users");
}
