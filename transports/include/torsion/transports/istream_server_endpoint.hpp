#pragma once

#include <memory>

#include <torsion/transports/factory.hpp>
#include <torsion/transports/ilistening_port.hpp>

namespace torsion {

/// Where a stream server listens, independent of the kind of socket (Twisted's
/// `IStreamServerEndpoint`); usually made by `serverFromString`.
///
/// Ownership: the endpoint refers to its reactor, which must outlive it; the port it opens is
/// owned by the reactor (see IListeningPort).
/// Thread: the reactor's thread only.
class IStreamServerEndpoint {
 public:
  IStreamServerEndpoint() = default;
  IStreamServerEndpoint(const IStreamServerEndpoint&) = delete;
  IStreamServerEndpoint& operator=(const IStreamServerEndpoint&) = delete;
  IStreamServerEndpoint(IStreamServerEndpoint&&) = delete;
  IStreamServerEndpoint& operator=(IStreamServerEndpoint&&) = delete;
  virtual ~IStreamServerEndpoint() = default;

  /// Starts listening with `factory`. Listening either works at once or fails at once, so the
  /// result is synchronous (Twisted returns an already-fired Deferred).
  /// @throws CannotListenError naming the address and the reason.
  virtual IListeningPort& listen(std::shared_ptr<Factory> factory) = 0;
};

}  // namespace torsion
