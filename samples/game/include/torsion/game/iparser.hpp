#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <torsion/game/json.hpp>
#include <torsion/game/parse_event.hpp>

namespace torsion::game {

/// Turns one connection's bytes into commands and messages into bytes: framing plus encoding
/// (the article's `Parser`). The server makes one per connection, since a frame may arrive in
/// pieces; the Application and controllers never see one, so a new format is a new IParser and
/// nothing else (see makeParser).
///
/// Every parser bounds its memory: a message longer than its `maxLength` is refused with a
/// "message too long" ParseEvent and skipped, without being buffered, and the next message is
/// parsed normally.
///
/// Ownership: owned by its connection. Thread: the reactor's thread only.
class IParser {
 public:
  IParser() = default;
  IParser(const IParser&) = delete;
  IParser& operator=(const IParser&) = delete;
  IParser(IParser&&) = delete;
  IParser& operator=(IParser&&) = delete;
  virtual ~IParser() = default;

  /// Takes the next bytes of the stream (any split); returns the events they completed, in
  /// order. After an event with `streamBroken`, returns nothing more.
  [[nodiscard]] virtual std::vector<ParseEvent> feed(std::string_view data) = 0;

  /// The bytes that carry `message` in this format. Invalid UTF-8 in strings is replaced.
  [[nodiscard]] virtual std::string serialize(const Json& message) const = 0;

  /// The longest message accepted, in bytes (framing excluded).
  [[nodiscard]] virtual std::size_t maxLength() const noexcept = 0;
};

}  // namespace torsion::game
