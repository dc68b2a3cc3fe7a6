#include <algorithm>
#include <cmath>
#include <random>
#include <utility>

#include <torsion/deferred/error.hpp>
#include <torsion/protocols/reconnecting_client_factory.hpp>

namespace torsion {

namespace {

void requireValid(const ReconnectOptions& o) {
  auto bad = [](double v) { return std::isnan(v) || v < 0; };
  if (bad(o.initialDelay.count())) {
    throw ValueError("ReconnectingClientFactory: initialDelay must be a non-negative number");
  }
  if (std::isnan(o.factor) || o.factor < 1.0) {
    throw ValueError("ReconnectingClientFactory: factor must be at least 1");
  }
  if (bad(o.jitter)) {
    throw ValueError("ReconnectingClientFactory: jitter must be a non-negative number");
  }
  if (bad(o.maxDelay.count())) {
    throw ValueError("ReconnectingClientFactory: maxDelay must be a non-negative number");
  }
  if (o.maxRetries && *o.maxRetries < 0) {
    throw ValueError("ReconnectingClientFactory: maxRetries must not be negative");
  }
}

UniqueFunction<double()> defaultNormalVariate() {
  std::random_device seed;
  return [engine = std::mt19937(seed()), normal = std::normal_distribution<double>()]() mutable {
    return normal(engine);
  };
}

}  // namespace

ReconnectingClientFactory::ReconnectingClientFactory(IReactorTime& clock, ReconnectOptions options,
                                                     UniqueFunction<double()> normalVariate)
    : clock_(clock),
      options_(options),
      normalVariate_(normalVariate ? std::move(normalVariate) : defaultNormalVariate()),
      delay_(options.initialDelay) {
  requireValid(options_);
}

ReconnectingClientFactory::~ReconnectingClientFactory() {
  cancelRetry();
}

void ReconnectingClientFactory::cancelRetry() noexcept {
  if (retryCall_.active()) {
    try {
      retryCall_.cancel();
    } catch (...) {  // NOLINT(bugprone-empty-catch): active() said it can be cancelled
    }
  }
  retryCall_ = DelayedCall();
}

void ReconnectingClientFactory::startedConnecting(IConnector& connector) {
  connector_ = &connector;
}

void ReconnectingClientFactory::clientConnectionFailed(IConnector& connector,
                                                       const Failure& /*reason*/) {
  if (continueTrying_) {
    connector_ = &connector;
    retry(connector);
  }
  forgetConnectorUnlessRetrying();
}

void ReconnectingClientFactory::clientConnectionLost(IConnector& connector,
                                                     const Failure& /*reason*/) {
  if (continueTrying_) {
    connector_ = &connector;
    retry(connector);
  }
  forgetConnectorUnlessRetrying();
}

void ReconnectingClientFactory::forgetConnectorUnlessRetrying() noexcept {
  // Without a scheduled retry, keepsConnector() is false and the Reactor destroys the connector
  // when this hook returns: do not keep a pointer to it.
  if (!retryCall_.active()) {
    connector_ = nullptr;
  }
}

void ReconnectingClientFactory::retry() {
  if (connector_ == nullptr) {
    throw ValueError("ReconnectingClientFactory::retry: no connector to retry");
  }
  retry(*connector_);
}

void ReconnectingClientFactory::retry(IConnector& connector) {
  if (!continueTrying_) {
    log_.info("abandoning {} on explicit request", connector.getDestination().toString());
    return;
  }
  ++retries_;
  if (options_.maxRetries && retries_ > *options_.maxRetries) {
    log_.info("abandoning {} after {} retries", connector.getDestination().toString(),
              retries_ - 1);
    return;
  }
  double next = std::min(delay_.count() * options_.factor, options_.maxDelay.count());
  if (options_.jitter != 0) {
    // A normal variate has no bound: clamp, since a negative delay is an error for callLater.
    next = std::max(0.0, next + next * options_.jitter * normalVariate_());
  }
  delay_ = Seconds{next};
  log_.info("{} will retry in {:.3f} seconds", connector.getDestination().toString(), next);
  cancelRetry();
  connector_ = &connector;
  retryCall_ = clock_.callLater(delay_, [this] {
    retryCall_ = DelayedCall();
    connector_->connect();
  });
}

void ReconnectingClientFactory::stopTrying() {
  cancelRetry();
  continueTrying_ = false;
  // Stops an attempt in progress, or releases a connector kept for the cancelled retry; does
  // nothing to a connection that is up. Either way the connector may be gone soon.
  if (IConnector* connector = std::exchange(connector_, nullptr); connector != nullptr) {
    connector->stopConnecting();
  }
}

void ReconnectingClientFactory::resetDelay() {
  delay_ = options_.initialDelay;
  retries_ = 0;
  continueTrying_ = true;
}

}  // namespace torsion
