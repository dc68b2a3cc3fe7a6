#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <torsion/game/iparser.hpp>
#include <torsion/game/json.hpp>
#include <torsion/game/parse_event.hpp>

namespace torsion::game {

/// JSON objects each followed by a NUL byte, the article's format (`{"code": "get", ...}\0`).
/// JSON text never holds a raw NUL, so the delimiter cannot occur inside a message. Empty
/// frames (two NULs in a row) are skipped.
///
/// A message that grows past `maxLength` bytes without its NUL is refused once ("message too
/// long") as soon as that is known, and its bytes are dropped up to and including the next
/// NUL: memory stays bounded and the stream stays in step.
///
/// Thread: the reactor's thread only.
class NulJsonParser final : public IParser {
 public:
  /// @throws ValueError if `maxLength` is 0.
  explicit NulJsonParser(std::size_t maxLength);

  [[nodiscard]] std::vector<ParseEvent> feed(std::string_view data) override;
  [[nodiscard]] std::string serialize(const Json& message) const override;

  [[nodiscard]] std::size_t maxLength() const noexcept override { return maxLength_; }

 private:
  std::size_t maxLength_;
  std::string pending_;      // the start of a message whose NUL has not arrived
  bool discarding_ = false;  // dropping an oversized message up to its NUL
};

}  // namespace torsion::game
