#pragma once

#include <vector>

#include <torsion/game/command_context.hpp>
#include <torsion/game/irepository.hpp>
#include <torsion/game/json.hpp>
#include <torsion/game/reply.hpp>

namespace torsion::game {

/// Game logic for the commands whose `key` the Application routes to it (the article's
/// controllers). A controller is pure logic: it keeps no state of its own (state lives in the
/// repository, so it can be saved and swapped), knows no transport and no wire format, and
/// answers with Replies addressed by connection index.
///
/// Example (a controller that counts hits under its key and tells everyone):
///     class Counter final : public torsion::game::IController {
///       std::vector<Reply> handle(IRepository& repo, const CommandContext& ctx,
///                                 const Json& command) override {
///         std::string key = command.at("key");
///         Json hits = repo.get(key).value_or(Json(0)).get<int>() + 1;
///         repo.set(key, hits);
///         return {ctx.toAll({{"code", "set"}, {"key", key}, {"state", hits}})};
///       }
///     };
///
/// Thread: the reactor's thread only.
/// Re-entrancy: `handle` must not call back into the Application.
class IController {
 public:
  IController() = default;
  IController(const IController&) = delete;
  IController& operator=(const IController&) = delete;
  IController(IController&&) = delete;
  IController& operator=(IController&&) = delete;
  virtual ~IController() = default;

  /// Runs `command` (an object whose `key` is a string) from `context.sender`.
  /// @throws GameError (CommandError, PathError, ...) to refuse the command: the Application
  ///   answers the sender with its error object. A controller that throws must not have
  ///   changed the repository (check first, then change).
  [[nodiscard]] virtual std::vector<Reply> handle(IRepository& repository,
                                                  const CommandContext& context,
                                                  const Json& command) = 0;
};

}  // namespace torsion::game
