#pragma once

#include <cstddef>
#include <memory>
#include <utility>

#include <torsion/deferred/unique_function.hpp>
#include <torsion/transports/address.hpp>
#include <torsion/transports/protocol.hpp>

namespace torsion {

/// Makes a Protocol for each new connection (Twisted's `Factory`).
///
/// `startFactory` runs before the first port or connector starts using the factory, and
/// `stopFactory` after the last one stops (Twisted's `doStart`/`doStop` counting).
///
/// Example:
///     auto factory = torsion::Factory::forProtocol<Echo>();
///     reactor.listenTCP(8000, factory);
///
/// Ownership: shared (`std::shared_ptr<Factory>`) by every port and connector using it and by
/// the connections they built, so a factory never dies under its protocols even if the
/// application drops its own reference.
/// Thread: the reactor's thread only.
class Factory {
 public:
  Factory() = default;
  Factory(const Factory&) = delete;
  Factory& operator=(const Factory&) = delete;
  Factory(Factory&&) = delete;
  Factory& operator=(Factory&&) = delete;
  virtual ~Factory() = default;

  /// A protocol for a connection with `addr` (the peer), or nullptr to refuse it (the socket is
  /// closed at once). An exception is logged and refuses the connection too.
  virtual std::unique_ptr<Protocol> buildProtocol(const Address& addr) = 0;

  /// Called before the first port or connector uses this factory.
  virtual void startFactory() {}

  /// Called after the last port or connector using this factory stopped.
  virtual void stopFactory() {}

  /// Counts one more user; calls `startFactory` for the first. Called by ports and connectors.
  void doStart();

  /// Counts one user less; calls `stopFactory` for the last. Called by ports and connectors.
  void doStop();

  /// How many ports and connectors use this factory now (Twisted's `numPorts`).
  [[nodiscard]] std::size_t numPorts() const noexcept { return numPorts_; }

  /// A factory whose buildProtocol returns `make(addr)`.
  [[nodiscard]] static std::shared_ptr<Factory> fromFunction(
      UniqueFunction<std::unique_ptr<Protocol>(const Address&)> make);

  /// A factory that builds `P(args...)` for every connection (Twisted's `Factory.forProtocol`).
  template <class P, class... Args>
  [[nodiscard]] static std::shared_ptr<Factory> forProtocol(Args... args) {
    return fromFunction(
        [... captured = std::move(args)](const Address&) -> std::unique_ptr<Protocol> {
          return std::make_unique<P>(captured...);
        });
  }

 private:
  std::size_t numPorts_ = 0;
};

}  // namespace torsion
