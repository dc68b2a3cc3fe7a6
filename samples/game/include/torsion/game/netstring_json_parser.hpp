#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <torsion/game/iparser.hpp>
#include <torsion/game/json.hpp>
#include <torsion/game/parse_event.hpp>

namespace torsion::game {

/// JSON objects as netstrings, `<length>:<json>,` (http://cr.yp.to/proto/netstrings.txt), the
/// same strict syntax as torsion's NetstringReceiver: a length of ASCII digits without leading
/// zeros, ':', the data, ','.
///
/// A length over `maxLength` is refused ("message too long") as soon as its ':' arrives; the
/// announced bytes are then skipped as they come, never buffered, and parsing resumes after
/// them. (NetstringReceiver drops the connection instead; a game client that sent one bad
/// message keeps its session here.) Broken syntax cannot be resynchronised: it gives a
/// "bad framing" event with `streamBroken`, and the parser ignores everything after it.
///
/// Thread: the reactor's thread only.
class NetstringJsonParser final : public IParser {
 public:
  /// @throws ValueError if `maxLength` is 0.
  explicit NetstringJsonParser(std::size_t maxLength);

  [[nodiscard]] std::vector<ParseEvent> feed(std::string_view data) override;
  [[nodiscard]] std::string serialize(const Json& message) const override;

  [[nodiscard]] std::size_t maxLength() const noexcept override { return maxLength_; }

 private:
  enum class State { kLength, kData, kSkip, kComma, kBroken };

  bool readLength(std::string_view& data, std::vector<ParseEvent>& events);

  std::size_t maxLength_;
  State state_ = State::kLength;
  std::string digits_;
  std::size_t remaining_ = 0;  // bytes of data (kData, kSkip) still to come
  bool skipped_ = false;       // kComma after kSkip: nothing to decode
  std::string data_;
};

}  // namespace torsion::game
