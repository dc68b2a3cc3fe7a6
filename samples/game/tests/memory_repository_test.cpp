#include <optional>
#include <string>

#include <catch2/catch.hpp>

#include <torsion/deferred/error.hpp>
#include <torsion/game/errors.hpp>
#include <torsion/game/json.hpp>
#include <torsion/game/memory_repository.hpp>

using torsion::game::GameError;
using torsion::game::Json;
using torsion::game::MemoryRepository;
using torsion::game::PathError;

namespace {

/// Runs `fn`, which must throw PathError, and returns the error's detail.
template <class F>
Json pathErrorOf(F&& fn) {
  try {
    fn();
  } catch (const PathError& e) {
    CHECK(e.error() == "bad path");
    return e.detail();
  }
  FAIL("no PathError");
  return {};
}

}  // namespace

TEST_CASE("MemoryRepository gets and sets values by dotted path, creating objects on the way",
          "[game][repository]") {
  MemoryRepository repo;
  CHECK(repo.get("room1") == std::nullopt);
  repo.set("room1.name", "lobby");
  repo.set("room1.players", Json::array({"ann", "bob"}));
  CHECK(repo.get("room1.name") == Json("lobby"));
  CHECK(repo.get("room1.players.1") == Json("bob"));
  CHECK(repo.get("room1.players.2") == std::nullopt);  // past the end: nothing there
  CHECK(repo.get("room1.missing.deeper") == std::nullopt);

  repo.set("room1.players.1", "cy");  // a list item is replaced...
  repo.set("room1.players.2", "di");  // ...and the index one past the end appends
  repo.set("room1.scores.3", 7);      // a number names a key in an object
  CHECK(repo.root() == Json::parse(R"({"room1": {"name": "lobby", "players": ["ann", "cy", "di"],
                                                 "scores": {"3": 7}}})"));
}

TEST_CASE("MemoryRepository merges objects with update and deletes with remove",
          "[game][repository]") {
  MemoryRepository repo;
  repo.update("room1.players.7", {{"name", "ann"}, {"hp", 3}});  // created
  repo.update("room1.players.7", {{"hp", 2}, {"x", 1}});         // merged: hp replaced, x added
  CHECK(repo.get("room1.players.7") == Json({{"name", "ann"}, {"hp", 2}, {"x", 1}}));

  CHECK(repo.remove("room1.players.7.x"));
  CHECK_FALSE(repo.remove("room1.players.7.x"));
  CHECK_FALSE(repo.remove("nowhere.at.all"));
  repo.set("list", Json::array({1, 2, 3}));
  CHECK(repo.remove("list.1"));  // a list closes the gap
  CHECK(repo.get("list") == Json::array({1, 3}));
  CHECK_FALSE(repo.remove("list.5"));
}

// NOLINTNEXTLINE(readability-function-cognitive-complexity): Catch2 assertion macros
TEST_CASE("MemoryRepository names the path and the reason in a PathError and changes nothing",
          "[game][repository]") {
  MemoryRepository repo;
  repo.set("room1.score", 10);
  repo.set("room1.players", Json::array({"ann"}));
  const Json before = repo.root();

  CHECK(pathErrorOf([&] { (void)repo.get(""); }) ==
        Json({{"path", ""}, {"reason", "the path is empty"}}));
  CHECK(pathErrorOf([&] { repo.set("room1..x", 1); }) ==
        Json({{"path", "room1..x"}, {"reason", "empty segment"}}));
  CHECK(pathErrorOf([&] { repo.set("room1.", 1); })["reason"] == "empty segment");
  CHECK(pathErrorOf([&] { repo.set("room1.score.best", 1); }) ==
        Json({{"path", "room1.score.best"},
              {"reason", "'room1.score' is a number, not an object or list"}}));
  CHECK(pathErrorOf([&] { (void)repo.get("room1.players.first"); })["reason"] ==
        "'room1.players' is a list; 'first' is not an index");
  CHECK(pathErrorOf([&] { repo.set("room1.players.3", "x"); })["reason"] ==
        "index 3 is beyond the end of 'room1.players' (1 items)");
  CHECK(pathErrorOf([&] { repo.set("room1.players.1.name", "x"); })["reason"] ==
        "index 1 is beyond the end of 'room1.players' (1 items)");
  CHECK(pathErrorOf([&] {
          repo.update("room1.score", {{"a", 1}});
        })["reason"] == "the value is a number, not an object");
  CHECK(pathErrorOf([&] { (void)repo.remove("room1.score.x"); })["path"] == "room1.score.x");
  CHECK_THROWS_AS(repo.update("room1", Json::array()), GameError);
  CHECK(repo.root() == before);

  try {
    repo.set("room1.score.best", 1);
  } catch (const PathError& e) {
    CHECK(std::string(e.what()) ==
          "bad path 'room1.score.best': 'room1.score' is a number, not an object or list");
  }
}

TEST_CASE("MemoryRepository::replaceRoot takes only an object", "[game][repository]") {
  MemoryRepository repo;
  repo.replaceRoot({{"a", 1}});
  CHECK(repo.get("a") == Json(1));
  CHECK_THROWS_AS(repo.replaceRoot(Json::array()), torsion::ValueError);
  CHECK(repo.get("a") == Json(1));
}
