#pragma once

#include <span>

#include <torsion/game/json.hpp>
#include <torsion/game/reply.hpp>

namespace torsion::game {

/// Who sent a command and who else is connected: all a controller knows about the network.
/// Its helpers build the three kinds of Reply the article uses: to the sender, to everyone, to
/// listed connections.
///
/// Ownership: a view; `connections` belongs to the Application and is valid during the call.
struct CommandContext {
  /// The connection the command came from.
  ConnectionIndex sender = 0;
  /// Every connection, ascending, the sender included.
  std::span<const ConnectionIndex> connections;

  /// `message` for the sender only.
  [[nodiscard]] Reply toSender(Json message) const;

  /// `message` for every connection, the sender included.
  [[nodiscard]] Reply toAll(Json message) const;

  /// `message` for the listed connections that are connected, in the listed order, each once.
  [[nodiscard]] Reply toListed(std::span<const ConnectionIndex> listed, Json message) const;
};

}  // namespace torsion::game
