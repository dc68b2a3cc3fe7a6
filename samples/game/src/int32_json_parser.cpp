#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include <torsion/deferred/error.hpp>
#include <torsion/game/int32_json_parser.hpp>

#include "json_frame.hpp"

namespace torsion::game {

namespace {

std::size_t decodePrefix(std::string_view prefix) noexcept {
  std::size_t length = 0;
  for (char c : prefix.substr(0, Int32JsonParser::kPrefixLength)) {
    length = (length << 8U) | static_cast<unsigned char>(c);
  }
  return length;
}

}  // namespace

Int32JsonParser::Int32JsonParser(std::size_t maxLength) : maxLength_(maxLength) {
  if (maxLength == 0) {
    throw ValueError("Int32JsonParser: maxLength must be > 0");
  }
}

std::vector<ParseEvent> Int32JsonParser::feed(std::string_view data) {
  std::vector<ParseEvent> events;
  // Each turn consumes bytes, completes a message, or stops: a message of length 0 completes
  // with its prefix, even when no byte follows.
  while (true) {
    if (skipping_ > 0) {
      if (data.empty()) {
        break;
      }
      std::size_t drop = std::min(skipping_, data.size());
      data.remove_prefix(drop);
      skipping_ -= drop;
      continue;
    }
    if (buffer_.size() < kPrefixLength) {
      std::size_t take = std::min(kPrefixLength - buffer_.size(), data.size());
      buffer_.append(data.substr(0, take));
      data.remove_prefix(take);
      if (buffer_.size() < kPrefixLength) {
        break;
      }
      if (std::size_t length = decodePrefix(buffer_); length > maxLength_) {
        events.push_back(detail::tooLong(length, maxLength_));
        buffer_.clear();
        skipping_ = length;
        continue;
      }
    }
    std::size_t length = decodePrefix(buffer_);
    std::size_t take = std::min(length - (buffer_.size() - kPrefixLength), data.size());
    buffer_.append(data.substr(0, take));
    data.remove_prefix(take);
    if (buffer_.size() - kPrefixLength < length) {
      break;
    }
    events.push_back(detail::decodeFrame(std::string_view(buffer_).substr(kPrefixLength)));
    buffer_.clear();
  }
  return events;
}

std::string Int32JsonParser::serialize(const Json& message) const {
  std::string json = detail::encodeJson(message);
  if (json.size() > std::numeric_limits<std::uint32_t>::max()) {
    throw ValueError("Int32JsonParser: a message of " + std::to_string(json.size()) +
                     " bytes does not fit a 4-byte length");
  }
  auto length = static_cast<std::uint32_t>(json.size());
  std::string bytes;
  bytes.reserve(kPrefixLength + json.size());
  for (int shift = 24; shift >= 0; shift -= 8) {
    bytes.push_back(static_cast<char>((length >> static_cast<unsigned>(shift)) & 0xFFU));
  }
  return bytes + json;
}

}  // namespace torsion::game
