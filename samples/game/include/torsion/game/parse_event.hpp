#pragma once

#include <optional>

#include <torsion/game/errors.hpp>
#include <torsion/game/json.hpp>

namespace torsion::game {

/// One thing a parser found in the byte stream: a decoded command, or input it refuses.
struct ParseEvent {
  /// The decoded command: a JSON object (its fields are the Application's to check).
  std::optional<Json> command;
  /// Or: why a frame was refused; the server answers the sender with `error->toMessage()`.
  std::optional<ParseError> error;
  /// With `error`: the framing itself broke and cannot be resynchronised, so the server closes
  /// the connection after answering. Never set for bad JSON or an oversized message.
  bool streamBroken = false;
};

}  // namespace torsion::game
