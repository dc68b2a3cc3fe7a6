#pragma once

#include <memory>
#include <vector>

#include <torsion/deferred/failure.hpp>
#include <torsion/transports/address.hpp>
#include <torsion/transports/client_factory.hpp>
#include <torsion/transports/iconnector.hpp>
#include <torsion/transports/protocol.hpp>

namespace torsion {

class ProtocolWrapper;

/// Wraps a factory and each protocol it builds, and keeps track of the live ones (Twisted's
/// `policies.WrappingFactory`): the base of connection policies.
///
/// `buildProtocol` asks the wrapped factory for a protocol and wraps it with `wrapProtocol`
/// (a ProtocolWrapper unless a subclass says otherwise); a refusal (nullptr) stays a refusal.
/// `startFactory`/`stopFactory` start and stop the wrapped factory, and when the wrapped
/// factory is a ClientFactory the connector hooks are forwarded to it, so a WrappingFactory
/// works for `connectTCP` as well as `listenTCP`.
///
/// Example:
///     auto inner = torsion::Factory::forProtocol<Echo>();
///     auto limited = std::make_shared<torsion::LimitTotalConnectionsFactory>(inner, 100);
///     reactor.listenTCP(8000, limited);
///
/// Ownership: must be owned by a `std::shared_ptr` (make it with `std::make_shared`): each
/// wrapper it builds shares ownership of it, so its registry outlives the wrappers in it.
/// It shares ownership of the wrapped factory. `protocols()` refers to the wrappers without
/// owning them; each removes itself when its connection is lost or it is destroyed.
/// Thread: the reactor's thread only.
class WrappingFactory : public ClientFactory, public std::enable_shared_from_this<WrappingFactory> {
 public:
  /// Wraps `wrappedFactory`.
  /// @throws ValueError if `wrappedFactory` is null.
  explicit WrappingFactory(std::shared_ptr<Factory> wrappedFactory);

  /// The wrapped factory's protocol for `addr`, wrapped; nullptr if the wrapped factory refused.
  /// @throws ValueError if this factory is not owned by a std::shared_ptr.
  std::unique_ptr<Protocol> buildProtocol(const Address& addr) override;

  /// Starts the wrapped factory (counted, as every user of a factory is).
  void startFactory() override;

  /// Stops the wrapped factory.
  void stopFactory() override;

  /// Forwarded to the wrapped factory if it is a ClientFactory.
  void startedConnecting(IConnector& connector) override;

  /// Forwarded to the wrapped factory if it is a ClientFactory.
  void clientConnectionFailed(IConnector& connector, const Failure& reason) override;

  /// Forwarded to the wrapped factory if it is a ClientFactory.
  void clientConnectionLost(IConnector& connector, const Failure& reason) override;

  /// A wrapper's connection was made. Called by ProtocolWrapper; subclasses that override it
  /// call the base first.
  virtual void registerProtocol(ProtocolWrapper& protocol);

  /// A wrapper's connection is gone (or the wrapper is being destroyed). Called by
  /// ProtocolWrapper; subclasses that override it call the base.
  virtual void unregisterProtocol(ProtocolWrapper& protocol) noexcept;

  /// The wrapped factory.
  [[nodiscard]] Factory& wrappedFactory() const noexcept { return *wrappedFactory_; }

  /// The wrappers whose connection is up, oldest first (Twisted's `protocols`).
  [[nodiscard]] const std::vector<ProtocolWrapper*>& protocols() const noexcept {
    return protocols_;
  }

 protected:
  /// Wraps a protocol the wrapped factory built (Twisted's `protocol` class attribute). The
  /// default makes a plain ProtocolWrapper; a policy returns its own wrapper type, made with
  /// `sharedSelf()`.
  virtual std::unique_ptr<ProtocolWrapper> wrapProtocol(std::unique_ptr<Protocol> wrapped);

  /// A shared_ptr to this factory, for the wrappers it builds.
  /// @throws ValueError if this factory is not owned by a std::shared_ptr.
  [[nodiscard]] std::shared_ptr<WrappingFactory> sharedSelf();

 private:
  std::shared_ptr<Factory> wrappedFactory_;
  std::vector<ProtocolWrapper*> protocols_;
};

}  // namespace torsion
