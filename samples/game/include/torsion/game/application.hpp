#pragma once

#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include <torsion/game/icontroller.hpp>
#include <torsion/game/irepository.hpp>
#include <torsion/game/json.hpp>
#include <torsion/game/reply.hpp>

namespace torsion::game {

/// The middle of the game server: knows who is connected, routes each command to a controller
/// by its `key`, and turns refused commands into error objects for their sender (the article's
/// `Application`). It sees connection indexes and JSON values only, never a transport or a
/// wire format, so any Server and Parser can feed it.
///
/// Routing: the first segment of the key (`chess` in `chess.board.3`) selects the controller
/// registered with `route`; any other key goes to the default controller (a StateController
/// unless another is given).
///
/// Errors: `handleCommand` answers a command that is not an object, lacks a string `key`, or
/// that its controller refuses (GameError, or a JSON type error from inside the controller)
/// with one `{"error": ..., "detail": ...}` Reply to the sender, and nothing else.
///
/// Ownership: the repository must outlive the Application; controllers are shared, since one
///   controller may serve several keys.
/// Thread: the reactor's thread only.
class Application {
 public:
  /// An application on `repository` whose default controller is a StateController.
  explicit Application(IRepository& repository);

  /// An application on `repository` with its own default controller.
  /// @throws ValueError if `defaultController` is null.
  Application(IRepository& repository, std::shared_ptr<IController> defaultController);

  /// Sends commands whose key starts with the segment `key` to `controller`.
  /// @throws ValueError if `key` is empty or holds a '.', if `controller` is null, or if `key`
  ///   already has a controller.
  void route(const std::string& key, std::shared_ptr<IController> controller);

  /// A connection arrived: returns its welcome, `{"code": "welcome", "index": N}` for it alone,
  /// so a client learns the index others address it by.
  /// @throws ValueError if `index` is already connected.
  [[nodiscard]] std::vector<Reply> onConnect(ConnectionIndex index);

  /// A connection went away; it is no longer among the recipients. Unknown indexes are ignored.
  void onDisconnect(ConnectionIndex index);

  /// Runs one decoded command from `sender`; returns the Replies to send (see the class comment
  /// for errors). Never throws a GameError.
  [[nodiscard]] std::vector<Reply> handleCommand(ConnectionIndex sender, const Json& command);

  /// The connected indexes, ascending.
  [[nodiscard]] std::span<const ConnectionIndex> connections() const noexcept {
    return connections_;
  }

  /// The state the controllers work on.
  [[nodiscard]] IRepository& repository() const noexcept { return repository_; }

 private:
  [[nodiscard]] IController& controllerFor(const std::string& key) const;

  IRepository& repository_;
  std::shared_ptr<IController> default_;
  std::map<std::string, std::shared_ptr<IController>, std::less<>> routes_;
  std::vector<ConnectionIndex> connections_;
};

}  // namespace torsion::game
