#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace torsion::game::detail {

/// Splits `room1.players.3` into its segments.
/// @throws PathError for an empty path or an empty segment.
[[nodiscard]] std::vector<std::string> splitPath(std::string_view path);

/// `segment` as a list index: decimal digits only, no sign, no leading zero except "0" itself;
/// nullopt otherwise (or if it does not fit a size_t).
[[nodiscard]] std::optional<std::size_t> listIndex(std::string_view segment) noexcept;

}  // namespace torsion::game::detail
