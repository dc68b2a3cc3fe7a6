#include <algorithm>
#include <array>
#include <chrono>
#include <cstdlib>
#include <string_view>

#include <fmt/format.h>

#include <torsion/deferred/error.hpp>
#include <torsion/reactor/reactor_core.hpp>

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

ReactorCore::ReactorCore(ReactorOptions options)
    : impl_(std::make_unique<detail::ReactorImpl>(*this, options)) {}

ReactorCore::~ReactorCore() = default;

ReactorBackend ReactorCore::backend() const noexcept {
  return impl_->backend();
}

double ReactorCore::seconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

DelayedCall ReactorCore::callLater(Seconds delay, UniqueFunction<void()> fn) {
  return impl_->callLater(seconds(), delay, std::move(fn));
}

std::vector<DelayedCall> ReactorCore::getDelayedCalls() const {
  return impl_->getDelayedCalls();
}

void ReactorCore::run() {
  impl_->run();
}

void ReactorCore::stop() {
  impl_->stop();
}

void ReactorCore::crash() noexcept {
  impl_->crash();
}

bool ReactorCore::running() const noexcept {
  return impl_->running();
}

void ReactorCore::iterate(Seconds timeout) {
  detail::checkDelay(timeout, "ReactorCore::iterate");
  impl_->iterate(timeout.count());
}

TriggerId ReactorCore::callWhenRunning(UniqueFunction<void()> fn) {
  return impl_->callWhenRunning(std::move(fn));
}

TriggerId ReactorCore::addSystemEventTrigger(EventPhase phase, SystemEvent event,
                                             UniqueFunction<Deferred<void>()> fn) {
  return impl_->addTrigger(phase, event, std::move(fn), false);
}

void ReactorCore::removeSystemEventTrigger(TriggerId id) {
  impl_->removeTrigger(id);
}

void ReactorCore::addReader(IReadDescriptor& reader) {
  impl_->addReader(reader);
}

void ReactorCore::addWriter(IWriteDescriptor& writer) {
  impl_->addWriter(writer);
}

void ReactorCore::removeReader(IReadDescriptor& reader) {
  impl_->removeReader(reader);
}

void ReactorCore::removeWriter(IWriteDescriptor& writer) {
  impl_->removeWriter(writer);
}

bool ReactorCore::isReading(const IReadDescriptor& reader) const {
  return impl_->isReading(reader);
}

bool ReactorCore::isWriting(const IWriteDescriptor& writer) const {
  return impl_->isWriting(writer);
}

void ReactorCore::callFromThread(UniqueFunction<void()> fn) {
  impl_->callFromThread(std::move(fn));
}

void ReactorCore::callInThread(UniqueFunction<void()> fn) {
  impl_->callInThread(std::move(fn));
}

void ReactorCore::suggestThreadPoolSize(std::size_t size) {
  impl_->suggestThreadPoolSize(size);
}

int ReactorCore::embeddingDescriptor() {
  return impl_->embeddingDescriptor();
}

std::optional<Seconds> ReactorCore::timeUntilNextCall() {
  return impl_->timeUntilNextCall();
}

}  // namespace torsion
