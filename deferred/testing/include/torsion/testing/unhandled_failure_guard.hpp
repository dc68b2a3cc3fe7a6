#pragma once

#include <mutex>
#include <string>
#include <vector>

#include <torsion/deferred/ilog_observer.hpp>
#include <torsion/deferred/log_publisher.hpp>

namespace torsion::testing {

/// Fails the current Catch2 test if a Deferred's Failure went unhandled while the guard lived,
/// as trial fails a test that logged errors it did not flush.
///
/// A Deferred whose last handle goes away holding an unhandled Failure logs it (namespace
/// `torsion.deferred`, field `unhandled=true`); the guard watches the global log for exactly
/// those events and, when it is destroyed, fails the test with one line per failure.
///
/// Example:
///     TEST_CASE("the client reports refused connections") {
///       torsion::testing::UnhandledFailureGuard guard;
///       ...   // any Deferred dropped with an unhandled failure fails this test
///     }
///
/// Ownership: registers itself with `globalLogPublisher()` for its lifetime.
/// Thread: failures logged from any thread are seen; check and destroy it on the test's thread.
class UnhandledFailureGuard final : public ILogObserver {
 public:
  UnhandledFailureGuard();
  ~UnhandledFailureGuard() override;

  UnhandledFailureGuard(const UnhandledFailureGuard&) = delete;
  UnhandledFailureGuard& operator=(const UnhandledFailureGuard&) = delete;
  UnhandledFailureGuard(UnhandledFailureGuard&&) = delete;
  UnhandledFailureGuard& operator=(UnhandledFailureGuard&&) = delete;

  /// The messages of the unhandled failures seen so far.
  [[nodiscard]] std::vector<std::string> unhandled() const;

  /// Forgets the failures seen so far, for a test that expects them (trial's
  /// `flushLoggedErrors`); returns them.
  std::vector<std::string> flush();

  void observe(const LogEvent& event) override;

 private:
  mutable std::mutex mutex_;
  std::vector<std::string> unhandled_;
  ScopedLogObserver registration_;
};

}  // namespace torsion::testing
