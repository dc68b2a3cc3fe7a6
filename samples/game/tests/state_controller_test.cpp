#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include <torsion/game/command_context.hpp>
#include <torsion/game/errors.hpp>
#include <torsion/game/json.hpp>
#include <torsion/game/memory_repository.hpp>
#include <torsion/game/reply.hpp>
#include <torsion/game/state_controller.hpp>

using torsion::game::CommandContext;
using torsion::game::CommandError;
using torsion::game::ConnectionIndex;
using torsion::game::Json;
using torsion::game::MemoryRepository;
using torsion::game::PathError;
using torsion::game::Reply;
using torsion::game::StateController;

namespace {

/// Connections 1, 2 and 4 (3 left), seen from `sender`.
struct Room {
  std::vector<Reply> run(ConnectionIndex sender, const std::string& command) {
    return controller.handle(repo, CommandContext{sender, connections}, Json::parse(command));
  }

  /// The error a command is refused with, as the client would see it.
  Json refusal(const std::string& command) {
    const Json before = repo.root();
    try {
      (void)run(1, command);
    } catch (const torsion::game::GameError& e) {
      CHECK(repo.root() == before);  // a refused command changes nothing
      return e.toMessage();
    }
    FAIL("not refused: " << command);
    return {};
  }

  MemoryRepository repo;
  StateController controller;
  std::vector<ConnectionIndex> connections{1, 2, 4};
};

}  // namespace

TEST_CASE("StateController: get answers the sender with a set of the current state",
          "[game][controller]") {
  Room room;
  room.repo.set("room1.players", Json::array({"ann"}));
  std::vector<Reply> replies = room.run(2, R"({"code": "get", "key": "room1.players"})");
  REQUIRE(replies.size() == 1);
  CHECK(replies[0].recipients == std::vector<ConnectionIndex>{2});
  CHECK(replies[0].message ==
        Json::parse(R"({"code": "set", "key": "room1.players", "state": ["ann"]})"));

  replies = room.run(2, R"({"code": "get", "key": "nothing.here"})");
  CHECK(replies[0].message["state"].is_null());
}

TEST_CASE("StateController: set stores the state and tells everyone", "[game][controller]") {
  Room room;
  std::vector<Reply> replies =
      room.run(1, R"({"code": "set", "key": "room1", "state": {"turn": 1}})");
  CHECK(room.repo.get("room1") == Json({{"turn", 1}}));
  REQUIRE(replies.size() == 1);
  CHECK(replies[0].recipients == std::vector<ConnectionIndex>{1, 2, 4});
  CHECK(replies[0].message ==
        Json::parse(R"({"code": "set", "key": "room1", "state": {"turn": 1}})"));
}

TEST_CASE("StateController: update replaces or appends an item of a list and tells everyone",
          "[game][controller]") {
  Room room;
  // A missing key is an empty list: index 0 appends.
  std::vector<Reply> replies =
      room.run(4, R"({"code": "update", "key": "board", "index": 0, "value": "x"})");
  room.run(4, R"({"code": "update", "key": "board", "index": 1, "value": "o"})");
  room.run(4, R"({"code": "update", "key": "board", "index": 0, "value": "X"})");
  CHECK(room.repo.get("board") == Json::array({"X", "o"}));
  REQUIRE(replies.size() == 1);
  CHECK(replies[0].recipients == std::vector<ConnectionIndex>{1, 2, 4});
  CHECK(replies[0].message ==
        Json::parse(R"({"code": "update", "key": "board", "index": 0, "value": "x"})"));
}

TEST_CASE("StateController: 'to' addresses listed connections that are still connected",
          "[game][controller]") {
  Room room;
  std::vector<Reply> replies =
      room.run(1, R"({"code": "set", "key": "hand.2", "state": [7], "to": [4, 3, 2, 4]})");
  REQUIRE(replies.size() == 1);
  CHECK(replies[0].recipients == std::vector<ConnectionIndex>{4, 2});  // 3 left; 4 once
  CHECK(room.repo.get("hand.2") == Json::array({7}));

  replies = room.run(1, R"({"code": "get", "key": "hand.2", "to": [2]})");
  CHECK(replies[0].recipients == std::vector<ConnectionIndex>{2});
  replies = room.run(1, R"({"code": "get", "key": "hand.2", "to": []})");
  CHECK(replies[0].recipients.empty());
}

TEST_CASE("StateController refuses unknown codes and mistyped fields, naming them",
          "[game][controller]") {
  Room room;
  room.repo.set("score", 3);
  room.repo.set("board", Json::array({1}));
  using Catch::Contains;

  CHECK(room.refusal(R"({"code": "frob", "key": "a"})") ==
        Json({{"error", "unknown code"}, {"detail", "frob"}}));
  CHECK(room.refusal(R"({"key": "a"})") ==
        Json({{"error", "bad command"}, {"detail", "a command needs 'code'"}}));
  CHECK(room.refusal(R"({"code": 1, "key": "a"})")["detail"] == "'code' must be a string");
  CHECK(room.refusal(R"({"code": "get", "key": 5})")["detail"] == "'key' must be a string");
  CHECK(room.refusal(R"({"code": "set", "key": "a"})")["detail"] == "set needs 'state'");
  CHECK(room.refusal(R"({"code": "update", "key": "board", "index": -1, "value": 1})")["detail"] ==
        "'index' must be an integer >= 0, got -1");
  CHECK(room.refusal(R"({"code": "update", "key": "board", "index": "0", "value": 1})")["detail"] ==
        "'index' must be an integer >= 0, got \"0\"");
  CHECK(room.refusal(R"({"code": "update", "key": "board", "index": 0})")["detail"] ==
        "update needs 'value'");
  CHECK(room.refusal(R"({"code": "update", "key": "board", "index": 2, "value": 1})")["detail"] ==
        "index 2 is beyond the end of 'board' (1 items)");
  CHECK(room.refusal(R"({"code": "update", "key": "score", "index": 0, "value": 1})")["detail"] ==
        "update needs a list at 'score', which holds a number");
  CHECK(room.refusal(R"({"code": "set", "key": "a", "state": 1, "to": [1, "x"]})")["detail"] ==
        "'to' must be a list of connection indexes");
  CHECK(room.refusal(R"({"code": "set", "key": "score.x", "state": 1})")["error"] == "bad path");
  CHECK_THROWS_AS(room.run(1, R"({"code": "get", "key": "a..b"})"), PathError);
  CHECK_THROWS_AS(room.run(1, R"({"code": "frob", "key": "a"})"), CommandError);
}
