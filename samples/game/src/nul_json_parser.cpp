#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <torsion/deferred/error.hpp>
#include <torsion/game/nul_json_parser.hpp>

#include "json_frame.hpp"

namespace torsion::game {

NulJsonParser::NulJsonParser(std::size_t maxLength) : maxLength_(maxLength) {
  if (maxLength == 0) {
    throw ValueError("NulJsonParser: maxLength must be > 0");
  }
}

std::vector<ParseEvent> NulJsonParser::feed(std::string_view data) {
  std::vector<ParseEvent> events;
  while (!data.empty()) {
    std::size_t nul = data.find('\0');
    std::string_view piece = data.substr(0, nul);
    data = nul == std::string_view::npos ? std::string_view() : data.substr(nul + 1);
    bool complete = nul != std::string_view::npos;

    if (discarding_) {
      discarding_ = !complete;  // the oversized message ends at this NUL
      continue;
    }
    if (pending_.size() + piece.size() > maxLength_) {
      events.push_back(detail::tooLong(complete ? pending_.size() + piece.size() : 0, maxLength_));
      pending_.clear();
      discarding_ = !complete;
      continue;
    }
    if (!complete) {
      pending_.append(piece);
      continue;
    }
    if (pending_.empty()) {
      if (!piece.empty()) {
        events.push_back(detail::decodeFrame(piece));  // the common case: no copy
      }
    } else {
      pending_.append(piece);
      events.push_back(detail::decodeFrame(pending_));
      pending_.clear();
    }
  }
  return events;
}

std::string NulJsonParser::serialize(const Json& message) const {
  std::string bytes = detail::encodeJson(message);
  bytes.push_back('\0');
  return bytes;
}

}  // namespace torsion::game
