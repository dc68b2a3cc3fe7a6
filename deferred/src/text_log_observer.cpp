#include <string>

#include <fmt/format.h>

#include <torsion/deferred/text_log_observer.hpp>

#include "log_time.hpp"

namespace torsion {

void TextLogObserver::observe(const LogEvent& event) {
  std::string line = fmt::format("{} [{}#{}] {}", detail::formatLogTime(event.time),
                                 event.logNamespace, levelName(event.level), event.message);
  for (const LogField& field : event.fields) {
    fmt::format_to(std::back_inserter(line), " {}={}", field.key, field.value);
  }
  line.push_back('\n');
  out_ << line << std::flush;
}

}  // namespace torsion
