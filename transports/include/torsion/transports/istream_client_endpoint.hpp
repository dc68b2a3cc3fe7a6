#pragma once

#include <memory>

#include <torsion/deferred/failure.hpp>
#include <torsion/deferred/unique_function.hpp>
#include <torsion/transports/factory.hpp>
#include <torsion/transports/iconnector.hpp>
#include <torsion/transports/protocol.hpp>

namespace torsion {

/// Where a stream client connects to, independent of the kind of socket (Twisted's
/// `IStreamClientEndpoint`); usually made by `clientFromString`.
///
/// Ownership: the endpoint refers to its reactor, which must outlive it.
/// Thread: the reactor's thread only.
class IStreamClientEndpoint {
 public:
  /// Runs once the connection is up, right after the protocol's `connectionMade`. The protocol
  /// reference is valid until its `connectionLost` returns.
  using ConnectedCallback = UniqueFunction<void(Protocol&)>;
  /// Runs if the attempt fails, with a ConnectError (see ClientFactory::clientConnectionFailed).
  using FailedCallback = UniqueFunction<void(const Failure&)>;

  IStreamClientEndpoint() = default;
  IStreamClientEndpoint(const IStreamClientEndpoint&) = delete;
  IStreamClientEndpoint& operator=(const IStreamClientEndpoint&) = delete;
  IStreamClientEndpoint(IStreamClientEndpoint&&) = delete;
  IStreamClientEndpoint& operator=(IStreamClientEndpoint&&) = delete;
  virtual ~IStreamClientEndpoint() = default;

  /// Connects, building the protocol with `factory`; exactly one of the callbacks runs, from a
  /// later reactor turn (Twisted returns a Deferred firing with the protocol). The connector
  /// returned can cancel the attempt (`stopConnecting` makes `onFailed` run with
  /// ConnectingCancelledError); it follows IConnector's lifetime rule.
  virtual IConnector& connect(std::shared_ptr<Factory> factory, ConnectedCallback onConnected,
                              FailedCallback onFailed) = 0;
};

}  // namespace torsion
