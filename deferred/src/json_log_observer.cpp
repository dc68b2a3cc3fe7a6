#include <string>

#include <fmt/format.h>

#include <torsion/deferred/json_log_observer.hpp>

#include "log_time.hpp"

namespace torsion {

std::string jsonQuote(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 2);
  out.push_back('"');
  for (const char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          fmt::format_to(std::back_inserter(out), "\\u{:04x}", static_cast<unsigned>(c));
        } else {
          out.push_back(c);
        }
    }
  }
  out.push_back('"');
  return out;
}

void JsonLogObserver::observe(const LogEvent& event) {
  std::string line =
      fmt::format(R"({{"time":{},"level":{},"namespace":{},"message":{})",
                  jsonQuote(detail::formatLogTime(event.time)), jsonQuote(levelName(event.level)),
                  jsonQuote(event.logNamespace), jsonQuote(event.message));
  if (!event.fields.empty()) {
    line += R"(,"fields":{)";
    bool first = true;
    for (const LogField& field : event.fields) {
      if (!first) {
        line.push_back(',');
      }
      first = false;
      line += jsonQuote(field.key);
      line.push_back(':');
      line += jsonQuote(field.value);
    }
    line.push_back('}');
  }
  line += "}\n";
  out_ << line << std::flush;
}

}  // namespace torsion
