#include <array>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include <torsion/deferred/error.hpp>
#include <torsion/deferred/log_event.hpp>

namespace torsion {

namespace {

constexpr std::array<std::string_view, 5> kLevelNames = {"debug", "info", "warn", "error",
                                                         "critical"};

}  // namespace

std::string_view levelName(LogLevel level) noexcept {
  return kLevelNames.at(static_cast<std::size_t>(level));
}

LogLevel parseLogLevel(std::string_view name) {
  for (std::size_t i = 0; i < kLevelNames.size(); ++i) {
    if (kLevelNames.at(i) == name) {
      return static_cast<LogLevel>(i);
    }
  }
  throw ValueError(fmt::format("unknown log level '{}' (expected one of: {})", name,
                               fmt::join(kLevelNames, ", ")));
}

}  // namespace torsion
