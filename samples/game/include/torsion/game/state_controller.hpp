#pragma once

#include <vector>

#include <torsion/game/command_context.hpp>
#include <torsion/game/icontroller.hpp>
#include <torsion/game/irepository.hpp>
#include <torsion/game/json.hpp>
#include <torsion/game/reply.hpp>

namespace torsion::game {

/// The article's commands on the value at `key` (a dotted path into the repository); the
/// Application's default controller.
///
/// - `{"code": "get", "key": K}`: answers the sender with `{"code": "set", "key": K,
///   "state": V}` (null when nothing is there), the command a client applies to its own copy.
/// - `{"code": "set", "key": K, "state": V}`: stores V and sends that same set command to
///   everyone.
/// - `{"code": "update", "key": K, "index": I, "value": V}`: item I of the list at K becomes
///   V (I equal to the list's length appends; a missing K is an empty list) and the update
///   goes to everyone.
///
/// Each command may carry `"to": [indexes]`: the answer then goes to those connections only
/// (the ones still connected; the sender only if listed), e.g. to show one player a move.
///
/// Thread: the reactor's thread only.
class StateController final : public IController {
 public:
  /// @throws CommandError "unknown code" for another `code`, "bad command" for a missing or
  ///   mistyped field (naming it) or an update index beyond the list's end; PathError for a
  ///   bad key.
  [[nodiscard]] std::vector<Reply> handle(IRepository& repository, const CommandContext& context,
                                          const Json& command) override;
};

}  // namespace torsion::game
