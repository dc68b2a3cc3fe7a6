#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <system_error>
#include <vector>

#include <catch2/catch.hpp>

#include <torsion/deferred/deferred.hpp>
#include <torsion/deferred/ilog_observer.hpp>
#include <torsion/deferred/log_event.hpp>
#include <torsion/deferred/log_publisher.hpp>
#include <torsion/game/errors.hpp>
#include <torsion/game/file_repository.hpp>
#include <torsion/game/json.hpp>
#include <torsion/reactor/clock.hpp>
#include <torsion/testing/deferred_assertions.hpp>
#include <torsion/testing/unhandled_failure_guard.hpp>

using namespace std::chrono_literals;  // NOLINT(google-build-using-namespace): test file

using torsion::game::FileRepository;
using torsion::game::Json;
using torsion::game::SnapshotError;

namespace {

/// A fresh directory under the system's temp dir, removed with everything in it.
struct TempDir {
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "torsion-game-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) {
      FAIL("mkdtemp failed");
    }
    path = pattern;
  }

  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }

  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  TempDir(TempDir&&) = delete;
  TempDir& operator=(TempDir&&) = delete;

  std::filesystem::path path;
};

std::string readFile(const std::filesystem::path& file) {
  // Through a stringstream: g++ 12 -O3 reports a false -Wnull-dereference inside
  // std::string's istreambuf_iterator constructor.
  std::ifstream in(file, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

void writeFile(const std::filesystem::path& file, const std::string& text) {
  std::ofstream(file, std::ios::binary) << text;
}

/// Records the warnings logged while it lives.
class WarningLog final : public torsion::ILogObserver {
 public:
  void observe(const torsion::LogEvent& event) override {
    if (event.level == torsion::LogLevel::kWarn) {
      messages.push_back(event.message);
    }
  }

  std::vector<std::string> messages;

 private:
  torsion::ScopedLogObserver registration_{torsion::globalLogPublisher(), *this};
};

}  // namespace

TEST_CASE("FileRepository saves a changed state every interval, and only a changed one",
          "[game][repository][file]") {
  torsion::testing::UnhandledFailureGuard guard;
  TempDir dir;
  const auto file = dir.path / "state.json";
  torsion::Clock clock;
  FileRepository repo(clock, file, 10s);
  repo.startService();  // no file yet: an empty state
  CHECK(repo.get("room1") == std::nullopt);

  repo.set("room1.players", Json::array({"ann"}));
  CHECK(repo.dirty());
  clock.advance(9s);
  CHECK_FALSE(std::filesystem::exists(file));  // not before the interval
  clock.advance(1s);
  CHECK(repo.saves() == 1);
  CHECK(Json::parse(readFile(file)) == Json::parse(R"({"room1": {"players": ["ann"]}})"));
  CHECK_FALSE(std::filesystem::exists(dir.path / "state.json.tmp"));  // renamed over the file

  clock.advance(30s);  // nothing changed: nothing written
  CHECK(repo.saves() == 1);

  repo.update("room1", {{"round", 2}});
  CHECK(repo.remove("room1.players.0"));
  auto stopped = repo.stopService();  // the final snapshot, before the next tick
  torsion::testing::successResultOf(stopped);
  CHECK(repo.saves() == 2);
  CHECK(Json::parse(readFile(file)) == Json::parse(R"({"room1": {"players": [], "round": 2}})"));
  clock.advance(60s);  // stopped: no more ticks
  CHECK(repo.saves() == 2);
}

TEST_CASE("FileRepository restores the saved state when it starts", "[game][repository][file]") {
  TempDir dir;
  const auto file = dir.path / "state.json";
  writeFile(file, R"({"room1": {"players": ["ann", "bob"]}})");
  torsion::Clock clock;
  FileRepository repo(clock, file, 0s);  // 0: save only when stopping
  repo.startService();
  CHECK(repo.get("room1.players.1") == Json("bob"));
  CHECK_FALSE(repo.dirty());

  auto stopped = repo.stopService();  // unchanged: the file is left as it was
  torsion::testing::successResultOf(stopped);
  CHECK(repo.saves() == 0);
  CHECK(readFile(file) == R"({"room1": {"players": ["ann", "bob"]}})");
}

TEST_CASE("FileRepository refuses to start on a corrupt snapshot and never overwrites it",
          "[game][repository][file]") {
  TempDir dir;
  const auto file = dir.path / "state.json";
  torsion::Clock clock;
  const std::string corrupt = GENERATE(std::string(R"({"room1": )"), std::string("[1, 2]"));
  writeFile(file, corrupt);
  FileRepository repo(clock, file, 10s);

  try {
    repo.startService();
    FAIL("started on a corrupt snapshot");
  } catch (const SnapshotError& e) {
    CHECK_THAT(e.what(), Catch::Contains(file.string()));
    CHECK_THAT(e.what(), Catch::Contains("nothing was started"));
  }
  CHECK_FALSE(repo.running());
  repo.set("room1", 1);
  clock.advance(60s);
  auto stopped = repo.stopService();
  torsion::testing::successResultOf(stopped);
  CHECK(readFile(file) == corrupt);  // left for a human to look at
}

TEST_CASE("FileRepository logs a failed periodic save and fails the final one",
          "[game][repository][file]") {
  torsion::testing::UnhandledFailureGuard guard;
  TempDir dir;
  const auto file = dir.path / "gone" / "state.json";  // its directory does not exist
  torsion::Clock clock;
  FileRepository repo(clock, file, 5s);
  repo.startService();
  repo.set("a", 1);
  {
    WarningLog warnings;
    clock.advance(5s);
    REQUIRE(warnings.messages.size() == 1);
    CHECK_THAT(warnings.messages[0], Catch::Contains("periodic save failed"));
  }
  CHECK(repo.dirty());  // retried at the next tick

  std::filesystem::create_directory(dir.path / "gone");
  clock.advance(5s);
  CHECK(repo.saves() == 1);

  repo.set("a", 2);
  std::filesystem::remove_all(dir.path / "gone");
  auto stopped = repo.stopService();
  torsion::Failure failure = torsion::testing::failureResultOf<SnapshotError>(stopped);
  CHECK_THAT(failure.what(), Catch::Contains("state.json"));
}

TEST_CASE("FileRepository refuses a bad interval or an empty file name",
          "[game][repository][file]") {
  torsion::Clock clock;
  CHECK_THROWS_AS(FileRepository(clock, "x.json", torsion::Seconds{-1}), torsion::ValueError);
  CHECK_THROWS_AS(FileRepository(clock, "", 1s), torsion::ValueError);
}
