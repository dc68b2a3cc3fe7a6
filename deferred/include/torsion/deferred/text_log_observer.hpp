#pragma once

#include <ostream>

#include <torsion/deferred/ilog_observer.hpp>

namespace torsion {

/// Writes one line of text per event:
/// `2026-11-23T09:10:13.123Z [torsion.reactor#error] message key=value ...`.
///
/// Ownership: refers to `out`, which must outlive the observer.
class TextLogObserver final : public ILogObserver {
 public:
  explicit TextLogObserver(std::ostream& out) : out_(out) {}

  void observe(const LogEvent& event) override;

 private:
  std::ostream& out_;
};

}  // namespace torsion
