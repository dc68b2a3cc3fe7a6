#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

namespace torsion {

/// How serious a log event is, least to most.
enum class LogLevel { kDebug, kInfo, kWarn, kError, kCritical };

/// The lower-case name of a level: "debug", "info", "warn", "error", "critical".
[[nodiscard]] std::string_view levelName(LogLevel level) noexcept;

/// Parses a level name as printed by `levelName`.
/// @throws ValueError naming the bad text and the accepted names.
[[nodiscard]] LogLevel parseLogLevel(std::string_view name);

/// One structured field of a log event: a key and its value, already formatted as text.
struct LogField {
  std::string key;
  std::string value;
};

/// One thing that happened, as observers see it (Twisted's log event dict, typed).
///
/// Ownership: observers get a const reference valid only during `observe`; copy what they keep.
struct LogEvent {
  LogLevel level = LogLevel::kInfo;
  std::string logNamespace;  ///< who logged it, e.g. "torsion.reactor"
  std::string message;       ///< the formatted human-readable text
  std::vector<LogField> fields;
  std::chrono::system_clock::time_point time;
};

}  // namespace torsion
