#pragma once

#include <concepts>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <torsion/application/service.hpp>
#include <torsion/deferred/deferred.hpp>

namespace torsion {

/// A service made of services (Twisted's `MultiService`): starting it starts its children in
/// the order they were added; stopping it stops them in reverse order and waits for all.
///
/// `stopService` returns a Deferred that fires once every child's stop Deferred has fired. If
/// some child failed to stop (its stopService threw or its Deferred failed), the Deferred fails
/// with the first such failure, in stop order, after all children have finished; the others
/// are logged (namespace "torsion.application").
///
/// If a child's `startService` throws, the exception propagates out of this `startService`: the
/// children before it are running, the rest are not, and this service counts as running. Call
/// `stopService` to stop what started (stopping a child that never started is harmless), as in
/// Twisted.
///
/// Example:
///     torsion::MultiService root;
///     root.addService(std::make_unique<torsion::StreamServerEndpointService>(
///         torsion::serverFromString(reactor, "tcp:8000"), factory));
///     root.startService();
///     ...
///     root.stopService().addCallback([] { /* every port is closed */ });
///
/// Ownership: owns its children. `removeService` hands a running child's life to its stop
///   Deferred: the child is destroyed once that Deferred fires. Destroying a MultiService
///   destroys its children (last added first) without stopping them; stop it first.
/// Thread: the reactor's thread only.
/// Re-entrancy: a child's stopService may fire its Deferred at once.
class MultiService : public Service {
 public:
  MultiService() = default;

  explicit MultiService(std::string name) : Service(std::move(name)) {}

  ~MultiService() override;

  MultiService(const MultiService&) = delete;
  MultiService& operator=(const MultiService&) = delete;
  MultiService(MultiService&&) = delete;
  MultiService& operator=(MultiService&&) = delete;

  /// Calls every child's `privilegedStartService`, in order.
  void privilegedStartService() override;

  /// Marks this service running, then starts every child in order.
  /// @throws what a child's startService threw (see the class comment).
  void startService() override;

  /// Stops every child in reverse order; see the class comment.
  Deferred<void> stopService() override;

  /// Takes ownership of `service` and makes this its parent (Twisted's `setServiceParent`). If
  /// this service is running, the child is started at once (privilegedStartService, then
  /// startService). Returns the child.
  /// @throws ValueError if `service` is null, already has a parent, or has a name another child
  ///   already has.
  /// @throws what the child's start threw, if this service is running; the child then stays a
  ///   child (not running), as in Twisted.
  Service& addService(std::unique_ptr<Service> service);

  /// addService, returning the child with its own type.
  // clang-format off
  template <class S>
  requires std::derived_from<S, Service>
  S& addService(std::unique_ptr<S> service) {
    S& child = *service;
    addService(std::unique_ptr<Service>(std::move(service)));
    return child;
  }

  // clang-format on

  /// Detaches `service` from this parent (Twisted's `disownServiceParent`). If it is running it
  /// is stopped, and it is destroyed when the returned Deferred fires (at once if it was not
  /// running).
  /// @throws ValueError if `service` is not a child of this service.
  Deferred<void> removeService(Service& service);

  /// The child named `name`.
  /// @throws ValueError naming `name` if no child has that name.
  [[nodiscard]] Service& getServiceNamed(std::string_view name) const;

  /// The children, in the order they were added (non-owning).
  [[nodiscard]] std::vector<Service*> services() const;

  /// How many children there are.
  [[nodiscard]] std::size_t size() const noexcept { return children_.size(); }

 private:
  std::vector<std::unique_ptr<Service>> children_;
};

}  // namespace torsion
