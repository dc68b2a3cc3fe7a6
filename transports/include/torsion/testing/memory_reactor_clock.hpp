#pragma once

#include <initializer_list>
#include <vector>

#include <torsion/deferred/unique_function.hpp>
#include <torsion/reactor/clock.hpp>
#include <torsion/reactor/delayed_call.hpp>
#include <torsion/reactor/ireactor_time.hpp>
#include <torsion/testing/memory_reactor.hpp>

namespace torsion::testing {

/// A MemoryReactor that also keeps fake time (Twisted's `MemoryReactorClock`): IReactorTime is
/// a torsion::Clock, with its stepping rules, and the reactor's "later turn" work (startFactory,
/// startedConnecting, settling connection attempts, startProtocol, stopListening's callback) is
/// scheduled on that clock with zero delay, so any `advance` (even `advance(0s)`) runs it.
///
/// Example:
///     torsion::testing::MemoryReactorClock reactor;
///     reactor.setConnectOutcome(torsion::testing::ConnectOutcome::kFail);
///     RetryingClient client{reactor};          // connects, retries after 5 s on failure
///     reactor.advance(0s);                     // the first attempt fails
///     reactor.advance(5s);                     // the retry is made, and fails too
///     REQUIRE(reactor.tcpClients().at(0).connector->attempts() == 2);
///
/// Ownership: as MemoryReactor; the clock's pending calls die before the fakes they refer to.
/// Thread: one thread, the test's.
class MemoryReactorClock final : public MemoryReactor, public IReactorTime {
 public:
  MemoryReactorClock();
  ~MemoryReactorClock() override;

  MemoryReactorClock(const MemoryReactorClock&) = delete;
  MemoryReactorClock& operator=(const MemoryReactorClock&) = delete;
  MemoryReactorClock(MemoryReactorClock&&) = delete;
  MemoryReactorClock& operator=(MemoryReactorClock&&) = delete;

  // IReactorTime, from the clock.
  [[nodiscard]] double seconds() const override { return clock_.seconds(); }

  DelayedCall callLater(Seconds delay, UniqueFunction<void()> fn) override;
  [[nodiscard]] std::vector<DelayedCall> getDelayedCalls() const override;

  /// Clock::advance.
  void advance(Seconds amount) { clock_.advance(amount); }

  /// Clock::advanceToNext.
  bool advanceToNext() { return clock_.advanceToNext(); }

  /// Clock::pump.
  void pump(std::initializer_list<Seconds> amounts) { clock_.pump(amounts); }

  /// The clock itself, for code that takes a Clock&.
  [[nodiscard]] Clock& clock() noexcept { return clock_; }

 protected:
  void callSoon(UniqueFunction<void()> fn) override;

 private:
  Clock clock_;
};

}  // namespace torsion::testing
