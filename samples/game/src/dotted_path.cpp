#include "dotted_path.hpp"

#include <charconv>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <torsion/game/errors.hpp>

namespace torsion::game::detail {

std::vector<std::string> splitPath(std::string_view path) {
  if (path.empty()) {
    throw PathError(std::string(path), "the path is empty");
  }
  std::vector<std::string> segments;
  std::size_t start = 0;
  while (true) {
    std::size_t dot = path.find('.', start);
    std::string_view segment = path.substr(start, dot - start);
    if (segment.empty()) {
      throw PathError(std::string(path), "empty segment");
    }
    segments.emplace_back(segment);
    if (dot == std::string_view::npos) {
      return segments;
    }
    start = dot + 1;
  }
}

std::optional<std::size_t> listIndex(std::string_view segment) noexcept {
  if (segment.empty() || (segment.size() > 1 && segment.front() == '0')) {
    return std::nullopt;
  }
  std::size_t value = 0;
  const char* end = segment.data() + segment.size();
  auto [ptr, ec] = std::from_chars(segment.data(), end, value);
  if (ec != std::errc() || ptr != end) {
    return std::nullopt;
  }
  return value;
}

}  // namespace torsion::game::detail
