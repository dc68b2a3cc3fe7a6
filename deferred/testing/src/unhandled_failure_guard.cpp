#include <catch2/catch.hpp>

#include <torsion/testing/unhandled_failure_guard.hpp>

namespace torsion::testing {

UnhandledFailureGuard::UnhandledFailureGuard() : registration_(globalLogPublisher(), *this) {}

UnhandledFailureGuard::~UnhandledFailureGuard() {
  const std::vector<std::string> seen = flush();
  for (const std::string& message : seen) {
    FAIL_CHECK("unhandled failure in a Deferred: " << message);
  }
}

void UnhandledFailureGuard::observe(const LogEvent& event) {
  for (const LogField& field : event.fields) {
    if (field.key == "unhandled" && field.value == "true") {
      std::lock_guard lock(mutex_);
      unhandled_.push_back(event.message);
      return;
    }
  }
}

std::vector<std::string> UnhandledFailureGuard::unhandled() const {
  std::lock_guard lock(mutex_);
  return unhandled_;
}

std::vector<std::string> UnhandledFailureGuard::flush() {
  std::lock_guard lock(mutex_);
  return std::exchange(unhandled_, {});
}

}  // namespace torsion::testing
