#include <algorithm>
#include <iostream>
#include <memory>
#include <mutex>

#include <torsion/deferred/log_publisher.hpp>
#include <torsion/deferred/text_log_observer.hpp>

namespace torsion {

LogPublisher::LogPublisher() : defaultObserver_(std::make_unique<TextLogObserver>(std::cerr)) {
  observers_.push_back(defaultObserver_.get());
}

LogPublisher::~LogPublisher() = default;

void LogPublisher::publish(const LogEvent& event) {
  if (!enabled(event.level)) {
    return;
  }
  // A recursive mutex lets an observer that logs by mistake reach the `publishing_` check
  // below instead of deadlocking; its event is dropped rather than recursing forever.
  std::lock_guard lock(mutex_);
  if (publishing_) {
    return;
  }
  publishing_ = true;
  for (ILogObserver* observer : observers_) {
    try {
      observer->observe(event);
    } catch (...) {  // NOLINT(bugprone-empty-catch): a broken observer must not break the caller
    }
  }
  publishing_ = false;
}

void LogPublisher::addObserver(ILogObserver& observer) {
  std::lock_guard lock(mutex_);
  observers_.push_back(&observer);
}

void LogPublisher::removeObserver(ILogObserver& observer) {
  std::lock_guard lock(mutex_);
  std::erase(observers_, &observer);
}

void LogPublisher::removeDefaultObserver() {
  std::lock_guard lock(mutex_);
  if (defaultObserver_) {
    std::erase(observers_, defaultObserver_.get());
    defaultObserver_.reset();
  }
}

LogPublisher& globalLogPublisher() {
  // NOLINTNEXTLINE(cppcoreguidelines-avoid-non-const-global-variables): see the header.
  static LogPublisher publisher;
  return publisher;
}

}  // namespace torsion
