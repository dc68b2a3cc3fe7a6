#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include <torsion/deferred/error.hpp>
#include <torsion/game/application.hpp>
#include <torsion/game/command_context.hpp>
#include <torsion/game/icontroller.hpp>
#include <torsion/game/irepository.hpp>
#include <torsion/game/json.hpp>
#include <torsion/game/memory_repository.hpp>
#include <torsion/game/reply.hpp>

using torsion::game::Application;
using torsion::game::CommandContext;
using torsion::game::ConnectionIndex;
using torsion::game::IController;
using torsion::game::IRepository;
using torsion::game::Json;
using torsion::game::MemoryRepository;
using torsion::game::Reply;

namespace {

/// Answers the sender with the controller's name and what it was given.
class Tagging final : public IController {
 public:
  explicit Tagging(std::string tag) : tag_(std::move(tag)) {}

  std::vector<Reply> handle(IRepository& /*repository*/, const CommandContext& context,
                            const Json& command) override {
    return {context.toSender({{"by", tag_}, {"key", command["key"]}})};
  }

 private:
  std::string tag_;
};

/// Reads a field with the wrong type, as a buggy controller might.
class Careless final : public IController {
 public:
  std::vector<Reply> handle(IRepository& /*repository*/, const CommandContext& context,
                            const Json& command) override {
    int n = command.at("n").get<int>();
    return {context.toSender({{"n", n}})};
  }
};

// snippet-begin: controller
/// Counts hits on its key and tells everyone the new count.
class Counter final : public IController {
 public:
  std::vector<Reply> handle(IRepository& repository, const CommandContext& context,
                            const Json& command) override {
    const std::string key = command.at("key");  // a string: the Application checked
    Json hits = repository.get(key).value_or(Json(0)).get<int>() + 1;
    repository.set(key, hits);
    return {context.toAll({{"code", "set"}, {"key", key}, {"state", hits}})};
  }
};

// snippet-end

}  // namespace

TEST_CASE("a controller added with route gets its key's commands", "[game][app]") {
  MemoryRepository repo;
  // snippet-begin: route
  Application app(repo);                           // StateController for other keys
  app.route("hits", std::make_shared<Counter>());  // "hits" and "hits.*" go to Counter
  // snippet-end
  (void)app.onConnect(1);
  (void)app.onConnect(2);
  (void)app.handleCommand(1, {{"key", "hits.home"}});
  std::vector<Reply> replies = app.handleCommand(2, {{"key", "hits.home"}});
  CHECK(replies.at(0).recipients == std::vector<ConnectionIndex>{1, 2});
  CHECK(replies.at(0).message == Json({{"code", "set"}, {"key", "hits.home"}, {"state", 2}}));
  CHECK(repo.get("hits.home") == Json(2));
}

TEST_CASE("Application tracks connections and welcomes each with its index", "[game][app]") {
  MemoryRepository repo;
  Application app(repo);
  std::vector<Reply> welcome = app.onConnect(1);
  REQUIRE(welcome.size() == 1);
  CHECK(welcome[0].recipients == std::vector<ConnectionIndex>{1});
  CHECK(welcome[0].message == Json({{"code", "welcome"}, {"index", 1}}));
  (void)app.onConnect(3);
  (void)app.onConnect(2);
  CHECK(std::vector<ConnectionIndex>(app.connections().begin(), app.connections().end()) ==
        std::vector<ConnectionIndex>{1, 2, 3});
  CHECK_THROWS_AS(app.onConnect(2), torsion::ValueError);

  app.onDisconnect(2);
  app.onDisconnect(99);  // unknown: ignored
  std::vector<Reply> replies =
      app.handleCommand(1, Json::parse(R"({"code": "set", "key": "a", "state": 1})"));
  CHECK(replies.at(0).recipients == std::vector<ConnectionIndex>{1, 3});  // 2 left
}

// NOLINTNEXTLINE(readability-function-cognitive-complexity): Catch2 assertion macros
TEST_CASE("Application routes by the key's first segment, else to the default controller",
          "[game][app]") {
  MemoryRepository repo;
  Application app(repo, std::make_shared<Tagging>("default"));
  app.route("chess", std::make_shared<Tagging>("chess"));
  auto shared = std::make_shared<Tagging>("cards");
  app.route("poker", shared);  // one controller may serve several keys
  app.route("bridge", shared);
  (void)app.onConnect(1);

  auto by = [&](const char* key) {
    return app.handleCommand(1, {{"code", "get"}, {"key", key}}).at(0).message["by"];
  };
  CHECK(by("chess") == "chess");
  CHECK(by("chess.board.3") == "chess");
  CHECK(by("chessboard") == "default");  // a segment, not a prefix
  CHECK(by("poker.table") == "cards");
  CHECK(by("bridge") == "cards");
  CHECK(by("room1") == "default");

  CHECK_THROWS_AS(app.route("chess", shared), torsion::ValueError);
  CHECK_THROWS_AS(app.route("a.b", shared), torsion::ValueError);
  CHECK_THROWS_AS(app.route("", shared), torsion::ValueError);
  CHECK_THROWS_AS(app.route("go", nullptr), torsion::ValueError);
  CHECK_THROWS_AS(Application(repo, nullptr), torsion::ValueError);
}

// NOLINTNEXTLINE(readability-function-cognitive-complexity): Catch2 assertion macros
TEST_CASE("Application answers refused commands with an error object for the sender only",
          "[game][app]") {
  MemoryRepository repo;
  Application app(repo);
  app.route("careless", std::make_shared<Careless>());
  for (ConnectionIndex i : {1U, 2U}) {
    (void)app.onConnect(i);
  }
  repo.set("a", 1);
  const Json before = repo.root();

  auto refusal = [&](const Json& command) {
    std::vector<Reply> replies = app.handleCommand(2, command);
    REQUIRE(replies.size() == 1);
    CHECK(replies[0].recipients == std::vector<ConnectionIndex>{2});
    return replies[0].message;
  };
  CHECK(refusal(Json::array({1})) ==
        Json({{"error", "bad command"}, {"detail", "a command must be a JSON object"}}));
  CHECK(refusal({{"code", "get"}}) ==
        Json({{"error", "bad command"}, {"detail", "'key' must be a string"}}));
  CHECK(refusal({{"code", "get"}, {"key", 1}})["detail"] == "'key' must be a string");
  CHECK(refusal({{"code", "jump"}, {"key", "a"}}) ==
        Json({{"error", "unknown code"}, {"detail", "jump"}}));
  CHECK(refusal({{"code", "set"}, {"key", "a.b"}, {"state", 2}})["error"] == "bad path");
  Json careless = refusal({{"key", "careless"}, {"n", "seven"}});
  CHECK(careless["error"] == "bad command");
  CHECK_THAT(careless["detail"].get<std::string>(), Catch::Contains("type must be number"));
  CHECK(repo.root() == before);
}
