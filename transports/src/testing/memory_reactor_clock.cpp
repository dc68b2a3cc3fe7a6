#include <utility>

#include <torsion/testing/memory_reactor_clock.hpp>

namespace torsion::testing {

MemoryReactorClock::MemoryReactorClock() = default;

MemoryReactorClock::~MemoryReactorClock() = default;

DelayedCall MemoryReactorClock::callLater(Seconds delay, UniqueFunction<void()> fn) {
  return clock_.callLater(delay, std::move(fn));
}

std::vector<DelayedCall> MemoryReactorClock::getDelayedCalls() const {
  return clock_.getDelayedCalls();
}

void MemoryReactorClock::callSoon(UniqueFunction<void()> fn) {
  // The reactor's "later turn" is the clock's next step: any advance runs it.
  clock_.callLater(Seconds{0}, std::move(fn));
}

}  // namespace torsion::testing
