#pragma once

#include <string>

#include <torsion/deferred/deferred.hpp>

namespace torsion {

class MultiService;

/// Something a program starts and stops in order: a listening port, a timer, a client
/// connection (Twisted's `Service`). A program is a tree of services whose root is a
/// MultiService; the root starts its children in order and stops them in reverse order.
///
/// Subclasses override `startService` and `stopService` and call the base versions, which keep
/// `running()` up to date (as Twisted's subclasses call `Service.startService(self)`).
/// `stopService` returns a Deferred that fires once the service has really stopped (its port
/// closed, its connection gone); the parent waits for it.
///
/// Example:
///     class Heartbeat final : public torsion::Service {
///       void startService() override { Service::startService(); ... }
///       torsion::Deferred<void> stopService() override { Service::stopService(); ... }
///     };
///
/// Ownership: a MultiService owns its children (`addService(std::unique_ptr<Service>)`); a
///   root service is owned by the program. `parent()` is non-owning.
/// Thread: the reactor's thread only.
/// Re-entrancy: `stopService` may fire its Deferred before returning (a service with nothing
///   to wait for returns `succeed()`).
class Service {
 public:
  /// An unnamed service.
  Service() = default;

  /// A service named `name` (a MultiService finds it with `getServiceNamed`).
  explicit Service(std::string name) : name_(std::move(name)) {}

  virtual ~Service() = default;

  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;
  Service(Service&&) = delete;
  Service& operator=(Service&&) = delete;

  /// The name, "" when unnamed.
  [[nodiscard]] const std::string& name() const noexcept { return name_; }

  /// Renames the service.
  /// @throws Error if it already has a parent (the parent indexes children by name, as
  ///   Twisted's `setName` refuses then too).
  void setName(std::string name);

  /// The MultiService that owns this one, or null.
  [[nodiscard]] MultiService* parent() const noexcept { return parent_; }

  /// True between `startService` and `stopService` (Twisted's `running`).
  [[nodiscard]] bool running() const noexcept { return running_; }

  /// Runs before `startService`, while a program may still hold privileges (Twisted opens
  /// low ports here). The base does nothing.
  virtual void privilegedStartService() {}

  /// Starts the service; the base marks it running.
  /// @throws whatever starting failed with (e.g. CannotListenError); see each subclass.
  virtual void startService() { running_ = true; }

  /// Stops the service; the base marks it stopped and returns an already-fired Deferred.
  /// Subclasses return a Deferred that fires once they have stopped. Stopping a service that
  /// is not running must be harmless (a MultiService stops every child).
  virtual Deferred<void> stopService() {
    running_ = false;
    return succeed();
  }

 private:
  friend class MultiService;

  std::string name_;
  MultiService* parent_ = nullptr;
  bool running_ = false;
};

}  // namespace torsion
