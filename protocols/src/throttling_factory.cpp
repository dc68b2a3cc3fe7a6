#include <chrono>
#include <utility>
#include <vector>

#include <torsion/deferred/error.hpp>
#include <torsion/protocols/throttling_factory.hpp>
#include <torsion/protocols/throttling_protocol.hpp>

namespace torsion {

namespace {

constexpr Seconds kCheckInterval{1.0};

void cancelQuietly(DelayedCall& call) noexcept {
  if (call.active()) {
    try {
      call.cancel();
    } catch (...) {  // NOLINT(bugprone-empty-catch): active() said it can be cancelled
    }
  }
}

// The throttle callbacks may close connections, which unregisters them: walk a copy.
template <class Fn>
void forEachThrottling(const std::vector<ProtocolWrapper*>& protocols, Fn fn) {
  // NOLINTNEXTLINE(performance-unnecessary-copy-initialization): the copy is the point
  const std::vector<ProtocolWrapper*> snapshot = protocols;
  for (ProtocolWrapper* p : snapshot) {
    fn(static_cast<ThrottlingProtocol&>(*p));  // wrapProtocol only ever makes these
  }
}

}  // namespace

ThrottlingFactory::ThrottlingFactory(IReactorTime& clock, std::shared_ptr<Factory> wrappedFactory,
                                     ThrottlingOptions options)
    : WrappingFactory(std::move(wrappedFactory)), clock_(clock), options_(options) {
  if (options_.readLimit && *options_.readLimit == 0) {
    throw ValueError("ThrottlingFactory: readLimit must be at least 1 byte per second");
  }
  if (options_.writeLimit && *options_.writeLimit == 0) {
    throw ValueError("ThrottlingFactory: writeLimit must be at least 1 byte per second");
  }
}

ThrottlingFactory::~ThrottlingFactory() {
  stopTimers();
}

std::unique_ptr<Protocol> ThrottlingFactory::buildProtocol(const Address& addr) {
  if (connectionCount() >= options_.maxConnectionCount) {
    log_.info("maximum connection count ({}) reached: refusing the connection from {}",
              options_.maxConnectionCount, addr.toString());
    return nullptr;
  }
  return WrappingFactory::buildProtocol(addr);
}

std::unique_ptr<ProtocolWrapper> ThrottlingFactory::wrapProtocol(
    std::unique_ptr<Protocol> wrapped) {
  return std::make_unique<ThrottlingProtocol>(
      std::static_pointer_cast<ThrottlingFactory>(sharedSelf()), std::move(wrapped));
}

void ThrottlingFactory::registerProtocol(ProtocolWrapper& protocol) {
  const bool first = connectionCount() == 0;
  WrappingFactory::registerProtocol(protocol);
  if (first) {
    // Twisted starts its checks with the first connection and checks at once: whatever the
    // previous busy period left in the totals is judged, then the totals start afresh.
    if (options_.readLimit) {
      checkReadBandwidth();
    }
    if (options_.writeLimit) {
      checkWriteBandwidth();
    }
    return;
  }
  // A connection made during a throttle joins it, rather than getting a free second.
  auto& throttling = static_cast<ThrottlingProtocol&>(protocol);
  if (unthrottleReadsCall_.active()) {
    throttling.throttleReads();
  }
  if (unthrottleWritesCall_.active()) {
    throttling.throttleWrites();
  }
}

void ThrottlingFactory::unregisterProtocol(ProtocolWrapper& protocol) noexcept {
  WrappingFactory::unregisterProtocol(protocol);
  if (connectionCount() == 0) {
    stopTimers();
  }
}

void ThrottlingFactory::stopTimers() noexcept {
  cancelQuietly(checkReadCall_);
  cancelQuietly(checkWriteCall_);
  cancelQuietly(unthrottleReadsCall_);
  cancelQuietly(unthrottleWritesCall_);
}

void ThrottlingFactory::scheduleUnthrottle(DelayedCall& call, double delay,
                                           void (ThrottlingFactory::*fn)()) {
  const double due = clock_.seconds() + delay;
  if (call.active()) {
    if (call.getTime() >= due) {
      return;  // an earlier, longer throttle is still running
    }
    call.cancel();
  }
  call = clock_.callLater(Seconds{delay}, [this, fn] { (this->*fn)(); });
}

void ThrottlingFactory::checkReadBandwidth() {
  const auto limit = *options_.readLimit;
  if (readThisSecond_ > limit) {
    throttleReads();
    scheduleUnthrottle(unthrottleReadsCall_,
                       static_cast<double>(readThisSecond_) / static_cast<double>(limit) - 1.0,
                       &ThrottlingFactory::unthrottleReads);
  }
  readThisSecond_ = 0;
  checkReadCall_ = clock_.callLater(kCheckInterval, [this] { checkReadBandwidth(); });
}

void ThrottlingFactory::checkWriteBandwidth() {
  const auto limit = *options_.writeLimit;
  if (writtenThisSecond_ > limit) {
    throttleWrites();
    scheduleUnthrottle(unthrottleWritesCall_,
                       static_cast<double>(writtenThisSecond_) / static_cast<double>(limit) - 1.0,
                       &ThrottlingFactory::unthrottleWrites);
  }
  writtenThisSecond_ = 0;
  checkWriteCall_ = clock_.callLater(kCheckInterval, [this] { checkWriteBandwidth(); });
}

void ThrottlingFactory::throttleReads() {
  log_.debug("throttling reads on {} connection(s)", connectionCount());
  forEachThrottling(protocols(), [](ThrottlingProtocol& p) { p.throttleReads(); });
}

void ThrottlingFactory::unthrottleReads() {
  log_.debug("stopped throttling reads");
  forEachThrottling(protocols(), [](ThrottlingProtocol& p) { p.unthrottleReads(); });
}

void ThrottlingFactory::throttleWrites() {
  log_.debug("throttling writes on {} connection(s)", connectionCount());
  forEachThrottling(protocols(), [](ThrottlingProtocol& p) { p.throttleWrites(); });
}

void ThrottlingFactory::unthrottleWrites() {
  log_.debug("stopped throttling writes");
  forEachThrottling(protocols(), [](ThrottlingProtocol& p) { p.unthrottleWrites(); });
}

}  // namespace torsion
