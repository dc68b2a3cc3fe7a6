#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <torsion/game/iparser.hpp>
#include <torsion/game/json.hpp>
#include <torsion/game/parse_event.hpp>

namespace torsion::game {

/// JSON objects each preceded by its length as a 4-byte big-endian unsigned integer, the
/// framing of torsion's Int32StringReceiver.
///
/// A length over `maxLength` is refused ("message too long") as soon as its prefix is
/// complete; the announced bytes are then skipped as they come, never buffered, and parsing
/// resumes after them. (Int32StringReceiver stops parsing for good instead; a game client that
/// sent one bad message keeps its session here.) Every byte sequence is valid framing, so this
/// parser never reports `streamBroken`.
///
/// Thread: the reactor's thread only.
class Int32JsonParser final : public IParser {
 public:
  /// The size of the length prefix, in bytes.
  static constexpr std::size_t kPrefixLength = 4;

  /// @throws ValueError if `maxLength` is 0.
  explicit Int32JsonParser(std::size_t maxLength);

  [[nodiscard]] std::vector<ParseEvent> feed(std::string_view data) override;

  /// @throws ValueError if the encoded message does not fit a 4-byte length.
  [[nodiscard]] std::string serialize(const Json& message) const override;

  [[nodiscard]] std::size_t maxLength() const noexcept override { return maxLength_; }

 private:
  std::size_t maxLength_;
  std::string buffer_;        // an incomplete prefix, or a complete one and part of its data
  std::size_t skipping_ = 0;  // bytes of an oversized message still to drop
};

}  // namespace torsion::game
