#include <algorithm>
#include <cstddef>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <torsion/application/multi_service.hpp>
#include <torsion/deferred/deferred_list.hpp>
#include <torsion/deferred/error.hpp>
#include <torsion/deferred/failure.hpp>
#include <torsion/deferred/logger.hpp>
#include <torsion/deferred/outcome.hpp>

namespace torsion {

namespace {

/// A child's stopService as a Deferred, whether it returned one, threw, or returned an empty
/// handle.
Deferred<void> stopChild(Service& child) {
  return maybeDeferred([&child] { return child.stopService(); });
}

}  // namespace

MultiService::~MultiService() {
  // Last added first, mirroring the stop order.
  while (!children_.empty()) {
    std::unique_ptr<Service> child = std::move(children_.back());
    children_.pop_back();
    child->parent_ = nullptr;
  }
}

void MultiService::privilegedStartService() {
  Service::privilegedStartService();
  for (Service* child : services()) {
    child->privilegedStartService();
  }
}

void MultiService::startService() {
  Service::startService();
  // A snapshot: a child's startService may add siblings, which addService then starts itself.
  for (Service* child : services()) {
    if (!child->running()) {
      child->startService();
    }
  }
}

Deferred<void> MultiService::stopService() {
  (void)Service::stopService();
  std::vector<Deferred<void>> stops;
  stops.reserve(children_.size());
  std::vector<Service*> children = services();
  for (auto it = children.rbegin(); it != children.rend(); ++it) {
    stops.push_back(stopChild(**it));
  }
  DeferredList<void> all(std::move(stops), {.consumeErrors = true});
  Deferred<void> done = all.addCallback([](const std::vector<Outcome<void>>& results) {
    std::optional<Failure> first;
    Logger log("torsion.application");
    for (const Outcome<void>& result : results) {
      if (!result.failed()) {
        continue;
      }
      if (!first) {
        first = result.failure();
      } else {
        log.failure("another child service failed to stop", result.failure().exception());
      }
    }
    if (first) {
      first->rethrow();
    }
  });
  return done;
}

Service& MultiService::addService(std::unique_ptr<Service> service) {
  if (!service) {
    throw ValueError("addService: the service is null");
  }
  if (service->parent_ != nullptr) {
    throw ValueError("addService: service '" + service->name() + "' already has a parent");
  }
  if (!service->name().empty()) {
    for (const auto& child : children_) {
      if (child->name() == service->name()) {
        throw ValueError("addService: a service named '" + service->name() +
                         "' is already a child of this service");
      }
    }
  }
  Service& child = *service;
  child.parent_ = this;
  children_.push_back(std::move(service));
  if (running()) {
    child.privilegedStartService();
    child.startService();
  }
  return child;
}

Deferred<void> MultiService::removeService(Service& service) {
  auto it =
      std::find_if(children_.begin(), children_.end(),
                   [&service](const std::unique_ptr<Service>& c) { return c.get() == &service; });
  if (it == children_.end()) {
    throw ValueError("removeService: service '" + service.name() +
                     "' is not a child of this service");
  }
  std::unique_ptr<Service> child = std::move(*it);
  children_.erase(it);
  child->parent_ = nullptr;
  if (!child->running()) {
    return succeed();
  }
  Deferred<void> stopped = stopChild(*child);
  // The child lives until its stop Deferred fired, then dies with this step.
  return stopped.addBoth([owned = std::move(child)](Outcome<void> result) mutable {
    owned.reset();
    return result;
  });
}

Service& MultiService::getServiceNamed(std::string_view name) const {
  for (const auto& child : children_) {
    if (child->name() == name) {
      return *child;
    }
  }
  throw ValueError("getServiceNamed: no child service is named '" + std::string(name) + "'");
}

std::vector<Service*> MultiService::services() const {
  std::vector<Service*> out;
  out.reserve(children_.size());
  std::transform(children_.begin(), children_.end(), std::back_inserter(out),
                 [](const std::unique_ptr<Service>& c) { return c.get(); });
  return out;
}

}  // namespace torsion
