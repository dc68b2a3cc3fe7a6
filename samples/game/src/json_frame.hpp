#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include <torsion/game/json.hpp>
#include <torsion/game/parse_event.hpp>

namespace torsion::game::detail {

/// Decodes one complete frame: a command event for a JSON object, else a "malformed JSON" or
/// "not an object" error event. Whitespace around the object is allowed.
[[nodiscard]] ParseEvent decodeFrame(std::string_view frame);

/// The "message too long" event for a frame of `length` bytes (0: not known yet) over `limit`.
[[nodiscard]] ParseEvent tooLong(std::size_t length, std::size_t limit);

/// The "bad framing" event that ends a stream.
[[nodiscard]] ParseEvent brokenFraming(const std::string& why);

/// `message` as compact JSON, invalid UTF-8 replaced (a client's bytes may be echoed back).
[[nodiscard]] std::string encodeJson(const Json& message);

}  // namespace torsion::game::detail
