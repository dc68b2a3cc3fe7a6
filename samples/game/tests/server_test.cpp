#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>

#include <torsion/deferred/failure.hpp>
#include <torsion/game/application.hpp>
#include <torsion/game/framing.hpp>
#include <torsion/game/game_factory.hpp>
#include <torsion/game/game_protocol.hpp>
#include <torsion/game/iparser.hpp>
#include <torsion/game/json.hpp>
#include <torsion/game/memory_repository.hpp>
#include <torsion/game/parse_event.hpp>
#include <torsion/testing/loopback_pump.hpp>
#include <torsion/testing/unhandled_failure_guard.hpp>
#include <torsion/transports/address.hpp>
#include <torsion/transports/protocol.hpp>

using torsion::game::Application;
using torsion::game::Framing;
using torsion::game::GameFactory;
using torsion::game::Json;
using torsion::game::MemoryRepository;
using torsion::testing::LoopbackPump;

namespace {

/// A game client: speaks the server's framing with the same parser class, and keeps every
/// message it got.
class Player final : public torsion::Protocol {
 public:
  explicit Player(Framing framing) : parser_(torsion::game::makeParser(framing, 1U << 20U)) {}

  void dataReceived(std::string_view data) override {
    for (torsion::game::ParseEvent& event : parser_->feed(data)) {
      received_.push_back(event.command ? std::move(*event.command) : Json("unparsable"));
    }
  }

  void connectionLost(const torsion::Failure& /*reason*/) override { lost_ = true; }

  void send(const Json& message) { transport()->write(parser_->serialize(message)); }

  void sendRaw(std::string_view bytes) { transport()->write(bytes); }

  /// The messages received since the last call.
  std::vector<Json> take() { return std::exchange(received_, {}); }

  [[nodiscard]] bool lost() const noexcept { return lost_; }

 private:
  std::unique_ptr<torsion::game::IParser> parser_;
  std::vector<Json> received_;
  bool lost_ = false;
};

/// A game server with a memory repository, and a way to join players to it.
struct Server {
  explicit Server(Framing f, std::size_t maxLength = 1000)
      : framing(f), factory(std::make_shared<GameFactory>(app, f, maxLength)) {}

  /// A new player, connected through its own loopback pump (the welcome not yet delivered).
  std::unique_ptr<LoopbackPump> join() {
    return torsion::testing::connectedServerAndClient(
        factory->buildProtocol(torsion::Address::ipv4("127.0.0.1", 40000)),
        std::make_unique<Player>(framing));
  }

  MemoryRepository repo;
  Application app{repo};
  Framing framing;
  std::shared_ptr<GameFactory> factory;
};

Player& player(const std::unique_ptr<LoopbackPump>& pump) {
  return pump->clientAs<Player>();
}

/// Moves every byte on both connections.
void pumpAll(const std::unique_ptr<LoopbackPump>& a, const std::unique_ptr<LoopbackPump>& b) {
  for (int i = 0; i < 3; ++i) {  // a reply to one may be a write toward the other
    a->pump();
    b->pump();
  }
}

Json parse(const char* text) {
  return Json::parse(text);
}

/// `json` framed as `framing` says, valid JSON or not (serialize() only takes valid values).
std::string frame(Framing framing, const std::string& json) {
  switch (framing) {
    case Framing::kNetstring:
      return std::to_string(json.size()) + ":" + json + ",";
    case Framing::kInt32: {
      std::string prefix(4, '\0');
      for (std::size_t i = 0; i < 4; ++i) {
        prefix[3 - i] = static_cast<char>((json.size() >> (8 * i)) & 0xFFU);
      }
      return prefix + json;
    }
    case Framing::kNulJson:
      break;
  }
  return json + std::string(1, '\0');
}

}  // namespace

TEST_CASE("two players through the loopback pump: broadcast, answers to self, addressed sends",
          "[game][server]") {
  torsion::testing::UnhandledFailureGuard guard;
  const Framing framing = GENERATE(Framing::kNulJson, Framing::kNetstring, Framing::kInt32);
  INFO("framing " << torsion::game::framingName(framing));
  Server server(framing);
  auto ann = server.join();
  auto bob = server.join();
  pumpAll(ann, bob);
  CHECK(player(ann).take() == std::vector<Json>{parse(R"({"code": "welcome", "index": 1})")});
  CHECK(player(bob).take() == std::vector<Json>{parse(R"({"code": "welcome", "index": 2})")});
  CHECK(server.factory->connectionCount() == 2);

  // set: to everyone, the sender included.
  player(ann).send(parse(R"({"code": "set", "key": "room1.players", "state": ["ann", "bob"]})"));
  pumpAll(ann, bob);
  const Json set = parse(R"({"code": "set", "key": "room1.players", "state": ["ann", "bob"]})");
  CHECK(player(ann).take() == std::vector<Json>{set});
  CHECK(player(bob).take() == std::vector<Json>{set});

  // update of an indexed list: to everyone.
  player(bob).send(
      parse(R"({"code": "update", "key": "room1.players", "index": 1, "value": "cy"})"));
  pumpAll(ann, bob);
  const Json update =
      parse(R"({"code": "update", "key": "room1.players", "index": 1, "value": "cy"})");
  CHECK(player(ann).take() == std::vector<Json>{update});
  CHECK(player(bob).take() == std::vector<Json>{update});

  // get: to the sender only.
  player(bob).send(parse(R"({"code": "get", "key": "room1.players"})"));
  pumpAll(ann, bob);
  CHECK(player(ann).take().empty());
  CHECK(player(bob).take() ==
        std::vector<Json>{
            parse(R"({"code": "set", "key": "room1.players", "state": ["ann", "cy"]})")});

  // An addressed send: ann shows bob a card, and only bob sees it.
  player(ann).send(parse(R"({"code": "set", "key": "hands.1", "state": ["A"], "to": [2]})"));
  pumpAll(ann, bob);
  CHECK(player(ann).take().empty());
  CHECK(player(bob).take() ==
        std::vector<Json>{parse(R"({"code": "set", "key": "hands.1", "state": ["A"]})")});
  CHECK(server.repo.root() ==
        parse(R"({"room1": {"players": ["ann", "cy"]}, "hands": {"1": ["A"]}})"));
}

// NOLINTNEXTLINE(readability-function-cognitive-complexity): Catch2 assertion macros
TEST_CASE("bad input gets an error object for the sender only; connection and state stay intact",
          "[game][server]") {
  torsion::testing::UnhandledFailureGuard guard;
  const Framing framing = GENERATE(Framing::kNulJson, Framing::kNetstring, Framing::kInt32);
  INFO("framing " << torsion::game::framingName(framing));
  Server server(framing, 64);
  auto ann = server.join();
  auto bob = server.join();
  player(ann).send(parse(R"({"code": "set", "key": "score", "state": 1})"));
  pumpAll(ann, bob);
  (void)player(ann).take();
  (void)player(bob).take();
  const Json before = server.repo.root();

  auto rawFrame = [framing](const std::string& json) { return frame(framing, json); };

  struct BadInput {
    std::string bytes;
    std::string error;
  };

  const std::vector<BadInput> cases = {
      {rawFrame(R"({"code": "set", "key": )"), "malformed JSON"},
      {rawFrame("[1]"), "not an object"},
      {rawFrame(R"({"code": "jump", "key": "score"})"), "unknown code"},
      {rawFrame(R"({"code": "set", "key": 7, "state": 1})"), "bad command"},
      {rawFrame(R"({"code": "update", "key": "score", "index": "x", "value": 1})"), "bad command"},
      {rawFrame(R"({"code": "set", "key": "score.x", "state": 2})"), "bad path"},
      {rawFrame(R"({"code": "set", "key": "big", "state": ")" + std::string(200, 'x') + "\"}"),
       "message too long"},
  };
  for (const BadInput& bad : cases) {
    INFO("expecting " << bad.error);
    player(ann).sendRaw(bad.bytes);
    pumpAll(ann, bob);
    std::vector<Json> got = player(ann).take();
    REQUIRE(got.size() == 1);
    CHECK(got[0]["error"] == bad.error);
    CHECK(got[0].contains("detail"));
    CHECK(player(bob).take().empty());  // the sender only
    CHECK_FALSE(player(ann).lost());    // the connection stays
    CHECK(server.repo.root() == before);
  }

  // Still in business after all that.
  player(ann).send(parse(R"({"code": "get", "key": "score"})"));
  pumpAll(ann, bob);
  CHECK(player(ann).take() ==
        std::vector<Json>{parse(R"({"code": "set", "key": "score", "state": 1})")});
}

TEST_CASE("a player who leaves is no longer addressed", "[game][server]") {
  torsion::testing::UnhandledFailureGuard guard;
  Server server(Framing::kNulJson);
  auto ann = server.join();
  auto bob = server.join();
  pumpAll(ann, bob);
  (void)player(bob).take();
  ann->clientTransport().loseConnection();
  pumpAll(ann, bob);
  CHECK(player(ann).lost());
  CHECK(server.factory->connectionCount() == 1);
  CHECK(std::vector<torsion::game::ConnectionIndex>(server.app.connections().begin(),
                                                    server.app.connections().end()) ==
        std::vector<torsion::game::ConnectionIndex>{2});

  player(bob).send(parse(R"({"code": "set", "key": "a", "state": 1, "to": [1, 2]})"));
  pumpAll(ann, bob);
  CHECK(player(bob).take().size() == 1);

  auto cy = server.join();  // indexes are never reused
  cy->pump();
  CHECK(player(cy).take() == std::vector<Json>{parse(R"({"code": "welcome", "index": 3})")});
}

TEST_CASE("broken netstring framing gets an error, then the server closes the connection",
          "[game][server]") {
  torsion::testing::UnhandledFailureGuard guard;
  Server server(Framing::kNetstring);
  auto ann = server.join();
  ann->pump();
  (void)player(ann).take();
  player(ann).sendRaw("2:{}x2:{},");
  ann->pump();
  std::vector<Json> got = player(ann).take();
  REQUIRE(got.size() == 1);
  CHECK(got[0]["error"] == "bad framing");
  CHECK(player(ann).lost());
  CHECK(server.factory->connectionCount() == 0);
}
