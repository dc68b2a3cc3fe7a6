#include "json_frame.hpp"

#include <cstddef>
#include <string>
#include <string_view>

#include <torsion/game/errors.hpp>

namespace torsion::game::detail {

ParseEvent decodeFrame(std::string_view frame) {
  ParseEvent event;
  try {
    Json value = Json::parse(frame);
    if (value.is_object()) {
      event.command = std::move(value);
    } else {
      event.error = ParseError(
          "not an object", std::string("a command is a JSON object, not a ") + value.type_name());
    }
  } catch (const Json::parse_error& e) {
    event.error = ParseError("malformed JSON", e.what());
  }
  return event;
}

ParseEvent tooLong(std::size_t length, std::size_t limit) {
  Json detail{{"limit", limit}};
  if (length > 0) {
    detail["length"] = length;
  }
  ParseEvent event;
  event.error = ParseError("message too long", std::move(detail));
  return event;
}

ParseEvent brokenFraming(const std::string& why) {
  ParseEvent event;
  event.error = ParseError("bad framing", why);
  event.streamBroken = true;
  return event;
}

std::string encodeJson(const Json& message) {
  return message.dump(-1, ' ', false, Json::error_handler_t::replace);
}

}  // namespace torsion::game::detail
