#pragma once

#include <ostream>
#include <string>
#include <string_view>

#include <torsion/deferred/ilog_observer.hpp>

namespace torsion {

/// Writes one JSON object per event, one per line (JSON Lines):
/// `{"time":"2026-11-23T09:10:13.123Z","level":"error","namespace":"torsion.reactor",
///   "message":"...","fields":{"key":"value"}}`.
///
/// Ownership: refers to `out`, which must outlive the observer.
class JsonLogObserver final : public ILogObserver {
 public:
  explicit JsonLogObserver(std::ostream& out) : out_(out) {}

  void observe(const LogEvent& event) override;

 private:
  std::ostream& out_;
};

/// `text` as a JSON string literal, quotes included, with control characters escaped.
[[nodiscard]] std::string jsonQuote(std::string_view text);

}  // namespace torsion
