#include <algorithm>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <torsion/deferred/error.hpp>
#include <torsion/game/netstring_json_parser.hpp>

#include "json_frame.hpp"

namespace torsion::game {

namespace {

/// More digits than this cannot be a length we would skip through in reasonable time, and
/// would overflow a size_t.
constexpr std::size_t kMaxDigits = 15;

bool isDigit(char c) noexcept {
  return c >= '0' && c <= '9';
}

}  // namespace

NetstringJsonParser::NetstringJsonParser(std::size_t maxLength) : maxLength_(maxLength) {
  if (maxLength == 0) {
    throw ValueError("NetstringJsonParser: maxLength must be > 0");
  }
}

bool NetstringJsonParser::readLength(std::string_view& data, std::vector<ParseEvent>& events) {
  while (!data.empty()) {
    char c = data.front();
    data.remove_prefix(1);
    if (isDigit(c)) {
      if (digits_ == "0") {
        events.push_back(detail::brokenFraming("netstring length with a leading zero"));
        return false;
      }
      if (digits_.size() == kMaxDigits) {
        events.push_back(detail::brokenFraming("netstring length has too many digits"));
        return false;
      }
      digits_.push_back(c);
      continue;
    }
    if (c != ':' || digits_.empty()) {
      events.push_back(detail::brokenFraming(
          c == ':' ? "netstring without a length" : "netstring length must be digits then ':'"));
      return false;
    }
    std::size_t length = std::stoull(digits_);
    digits_.clear();
    if (length > maxLength_) {
      events.push_back(detail::tooLong(length, maxLength_));
      state_ = State::kSkip;
    } else {
      state_ = State::kData;
      data_.clear();
    }
    remaining_ = length;
    return true;
  }
  return true;
}

std::vector<ParseEvent> NetstringJsonParser::feed(std::string_view data) {
  std::vector<ParseEvent> events;
  while (!data.empty() && state_ != State::kBroken) {
    switch (state_) {
      case State::kLength:
        if (!readLength(data, events)) {
          state_ = State::kBroken;
        }
        break;
      case State::kData:
      case State::kSkip: {
        std::size_t take = std::min(remaining_, data.size());
        if (state_ == State::kData) {
          data_.append(data.substr(0, take));
        }
        data.remove_prefix(take);
        remaining_ -= take;
        if (remaining_ == 0) {
          skipped_ = state_ == State::kSkip;
          state_ = State::kComma;  // the message counts once its ',' arrives
        }
        break;
      }
      case State::kComma:
        if (data.front() != ',') {
          events.push_back(detail::brokenFraming("netstring data must end with ','"));
          state_ = State::kBroken;
          break;
        }
        data.remove_prefix(1);
        if (!skipped_) {
          events.push_back(detail::decodeFrame(data_));
        }
        data_.clear();
        state_ = State::kLength;
        break;
      case State::kBroken:
        break;
    }
  }
  return events;
}

std::string NetstringJsonParser::serialize(const Json& message) const {
  std::string json = detail::encodeJson(message);
  return std::to_string(json.size()) + ":" + json + ",";
}

}  // namespace torsion::game
