#pragma once

#include <chrono>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include <torsion/deferred/log_publisher.hpp>
#include <torsion/reactor/reactor_core.hpp>

namespace torsion::test {

/// Every backend, for `GENERATE`: each reactor test runs once per backend.
inline ReactorBackend anyBackend() {
  return GENERATE(ReactorBackend::kEpoll, ReactorBackend::kPoll, ReactorBackend::kUv);
}

/// A reactor on `backend` that leaves the process's signal handling alone.
inline ReactorOptions quietOptions(ReactorBackend backend) {
  ReactorOptions options;
  options.backend = backend;
  options.installSignalHandlers = false;
  return options;
}

/// Runs `reactor` until it stops, failing the test if that takes longer than `limit`.
/// The guard is the reactor's own timer, so a hung test ends instead of blocking CI.
inline void runBounded(ReactorCore& reactor, Seconds limit = std::chrono::seconds{10}) {
  bool timedOut = false;
  DelayedCall guard = reactor.callLater(limit, [&reactor, &timedOut] {
    timedOut = true;
    reactor.stop();
  });
  reactor.run();
  if (guard.active()) {
    guard.cancel();
  }
  REQUIRE_FALSE(timedOut);
}

/// Records the events published to the global log while it lives.
class CapturedLog final : public ILogObserver {
 public:
  CapturedLog() : scope_(globalLogPublisher(), *this) {}

  void observe(const LogEvent& event) override { events.push_back(event); }

  [[nodiscard]] bool contains(const std::string& text) const {
    for (const LogEvent& e : events) {
      if (e.message.find(text) != std::string::npos) {
        return true;
      }
    }
    return false;
  }

  std::vector<LogEvent> events;

 private:
  ScopedLogObserver scope_;
};

}  // namespace torsion::test
