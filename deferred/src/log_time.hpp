#pragma once

#include <chrono>
#include <string>

namespace torsion::detail {

/// `time` as ISO 8601 UTC with milliseconds: "2026-11-23T09:10:13.123Z".
[[nodiscard]] std::string formatLogTime(std::chrono::system_clock::time_point time);

}  // namespace torsion::detail
