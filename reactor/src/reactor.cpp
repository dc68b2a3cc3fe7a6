#include <torsion/reactor/reactor.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdlib>
#include <string_view>

#include <fmt/format.h>

#include <torsion/deferred/error.hpp>

#include "reactor_impl.hpp"

namespace torsion {

namespace {

constexpr std::array<std::string_view, 3> kBackendNames = {"epoll", "poll", "uv"};

}  // namespace

std::string_view backendName(ReactorBackend backend) noexcept {
  return kBackendNames.at(static_cast<std::size_t>(backend));
}

ReactorBackend parseReactorBackend(std::string_view name) {
  for (std::size_t i = 0; i < kBackendNames.size(); ++i) {
    if (kBackendNames.at(i) == name) {
      return static_cast<ReactorBackend>(i);
    }
  }
  throw ValueError(fmt::format("unknown reactor backend '{}' (expected one of: {})", name,
                               fmt::join(kBackendNames, ", ")));
}

ReactorBackend defaultReactorBackend() {
  const char* fromEnv = std::getenv("TORSION_REACTOR");  // NOLINT(concurrency-mt-unsafe)
  if (fromEnv == nullptr || *fromEnv == '\0') {
    return ReactorBackend::kEpoll;
  }
  try {
    return parseReactorBackend(fromEnv);
  } catch (const ValueError& e) {
    throw ValueError(fmt::format("TORSION_REACTOR: {}", e.what()));
  }
}

Reactor::Reactor(ReactorOptions options)
    : impl_(std::make_unique<detail::ReactorImpl>(*this, options)) {}

Reactor::~Reactor() = default;

ReactorBackend Reactor::backend() const noexcept { return impl_->backend(); }

double Reactor::seconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

DelayedCall Reactor::callLater(Seconds delay, UniqueFunction<void()> fn) {
  return impl_->callLater(seconds(), delay, std::move(fn));
}

std::vector<DelayedCall> Reactor::getDelayedCalls() const { return impl_->getDelayedCalls(); }

void Reactor::run() { impl_->run(); }

void Reactor::stop() { impl_->stop(); }

bool Reactor::running() const noexcept { return impl_->running(); }

void Reactor::iterate(Seconds timeout) {
  detail::checkDelay(timeout, "Reactor::iterate");
  impl_->iterate(timeout.count());
}

TriggerId Reactor::callWhenRunning(UniqueFunction<void()> fn) {
  return impl_->callWhenRunning(std::move(fn));
}

TriggerId Reactor::addSystemEventTrigger(EventPhase phase, SystemEvent event,
                                         UniqueFunction<void()> fn) {
  return impl_->addTrigger(phase, event, std::move(fn), false);
}

void Reactor::removeSystemEventTrigger(TriggerId id) { impl_->removeTrigger(id); }

void Reactor::addReader(IReadDescriptor& reader) { impl_->addReader(reader); }

void Reactor::addWriter(IWriteDescriptor& writer) { impl_->addWriter(writer); }

void Reactor::removeReader(IReadDescriptor& reader) { impl_->removeReader(reader); }

void Reactor::removeWriter(IWriteDescriptor& writer) { impl_->removeWriter(writer); }

bool Reactor::isReading(const IReadDescriptor& reader) const { return impl_->isReading(reader); }

bool Reactor::isWriting(const IWriteDescriptor& writer) const { return impl_->isWriting(writer); }

void Reactor::callFromThread(UniqueFunction<void()> fn) { impl_->callFromThread(std::move(fn)); }

void Reactor::callInThread(UniqueFunction<void()> fn) { impl_->callInThread(std::move(fn)); }

void Reactor::suggestThreadPoolSize(std::size_t size) { impl_->suggestThreadPoolSize(size); }

int Reactor::embeddingDescriptor() { return impl_->embeddingDescriptor(); }

std::optional<Seconds> Reactor::timeUntilNextCall() { return impl_->timeUntilNextCall(); }

}  // namespace torsion
