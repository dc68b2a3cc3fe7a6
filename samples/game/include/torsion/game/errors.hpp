#pragma once

#include <string>

#include <torsion/deferred/error.hpp>
#include <torsion/game/json.hpp>

namespace torsion::game {

/// Input the game refuses. The server answers the sender with `toMessage()`,
/// `{"error": error(), "detail": detail()}`, and changes nothing else: the connection stays up
/// and the game state is as it was before the command.
///
/// `what()` reads "<error>: <detail>" (the detail as text when it is a string, as JSON
/// otherwise), for logs and test messages.
class GameError : public ValueError {
 public:
  /// `error` names the kind of problem ("unknown code"); `detail` says what exactly.
  GameError(std::string error, Json detail);

  /// The kind of problem, e.g. "malformed JSON", "unknown code", "bad command".
  [[nodiscard]] const std::string& error() const noexcept { return error_; }

  /// What exactly was wrong: a string, or an object for structured details.
  [[nodiscard]] const Json& detail() const noexcept { return detail_; }

  /// The error object sent to the client: `{"error": ..., "detail": ...}`.
  [[nodiscard]] Json toMessage() const;

 protected:
  /// For subclasses that word `what()` themselves.
  GameError(const std::string& what, std::string error, Json detail);

 private:
  std::string error_;
  Json detail_;
};

/// A command the controllers cannot run: an unknown `code` ("unknown code") or a field of the
/// wrong type or missing ("bad command", the detail naming the field).
class CommandError : public GameError {
 public:
  using GameError::GameError;
};

/// A dotted path the repository cannot follow: malformed (an empty segment), through a value
/// that is not an object or list, or a list index out of range. The error is "bad path" and the
/// detail `{"path": ..., "reason": ...}`; `what()` names the path.
class PathError : public GameError {
 public:
  PathError(const std::string& path, const std::string& reason);
};

/// Bytes a parser cannot turn into a command: "malformed JSON", "not an object",
/// "message too long" or "bad framing".
class ParseError : public GameError {
 public:
  using GameError::GameError;
};

/// A state file that cannot be read back (not JSON, not an object) or written. Not a GameError:
/// it comes from the disk, not from a client.
class SnapshotError : public Error {
 public:
  using Error::Error;
};

}  // namespace torsion::game
