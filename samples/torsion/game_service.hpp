#pragma once

#include <cstddef>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <torsion/application/multi_service.hpp>
#include <torsion/game/application.hpp>
#include <torsion/game/file_repository.hpp>
#include <torsion/game/framing.hpp>
#include <torsion/game/game_factory.hpp>
#include <torsion/game/irepository.hpp>
#include <torsion/game/memory_repository.hpp>
#include <torsion/reactor/delayed_call.hpp>
#include <torsion/reactor/ireactor_time.hpp>
#include <torsion/transports/endpoints.hpp>

#include "service_command.hpp"

namespace torsion::cli {

/// How the game server behaves.
struct GameOptions {
  /// The wire format every connection speaks.
  game::Framing framing = game::Framing::kNulJson;
  /// The longest message accepted, in bytes; longer ones are refused and skipped.
  std::size_t maxLength = game::kDefaultMaxMessageLength;
  /// Where the state is saved and restored; nullopt: in memory only.
  std::optional<std::filesystem::path> stateFile;
  /// How often a changed state is saved (0: only when stopping). Used with `stateFile` only.
  Seconds snapshotInterval{30};
};

/// `torsion game`: the layered game server (samples/game, docs/game.md) on each endpoint, as a
/// service tree an embedding program can add to its own. With a state file its first child is
/// the FileRepository, so the state is restored before any port listens, and saved after every
/// port has closed.
///
/// Ownership: owns the repository and the Application; the GameFactory is shared with the
///   ports and connections, which must be closed (stop the service and let the reactor close
///   them) before the service is destroyed. The reactors and clock must outlive it.
/// Thread: the reactor's thread only.
class GameService final : public MultiService {
 public:
  /// @throws EndpointParseError for a bad endpoint; ValueError if `listen` is empty or
  ///   `options` are out of range.
  GameService(EndpointReactors reactors, IReactorTime& clock,
              const std::vector<std::string>& listen, const GameOptions& options,
              Seconds shutdownTimeout);

  GameService(const GameService&) = delete;
  GameService& operator=(const GameService&) = delete;
  GameService(GameService&&) = delete;
  GameService& operator=(GameService&&) = delete;
  ~GameService() override;

  /// The game state (test-only: to look at it).
  [[nodiscard]] game::IRepository& repository() const noexcept { return *repository_; }

  /// The server (test-only: to count connections).
  [[nodiscard]] game::GameFactory& server() const noexcept { return *server_; }

 private:
  std::unique_ptr<game::MemoryRepository> memory_;  // without a state file
  game::IRepository* repository_ = nullptr;         // memory_, or the FileRepository child
  std::unique_ptr<game::Application> application_;
  std::shared_ptr<game::GameFactory> server_;
};

/// The `game` subcommand: default endpoint `tcp:8024:interface=127.0.0.1`, options
/// `--framing nul-json|netstring|int32`, `--state-file PATH`, `--snapshot-interval SECONDS`
/// (default 30) and `--max-length BYTES` (default 65536).
[[nodiscard]] ServiceCommand gameCommand();

}  // namespace torsion::cli
