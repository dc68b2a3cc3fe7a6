#pragma once

#include <memory>
#include <string>

#include <torsion/reactor/delayed_call.hpp>
#include <torsion/transports/client_factory.hpp>
#include <torsion/transports/factory.hpp>
#include <torsion/transports/iconnector.hpp>
#include <torsion/transports/ilistening_port.hpp>

namespace torsion {

/// UNIX stream sockets (Twisted's `IReactorUNIX`).
///
/// A path starting with '\0' names a socket in Linux's abstract namespace (no file).
/// Thread: the reactor's thread only.
class IReactorUNIX {
 public:
  IReactorUNIX() = default;
  IReactorUNIX(const IReactorUNIX&) = delete;
  IReactorUNIX& operator=(const IReactorUNIX&) = delete;
  IReactorUNIX(IReactorUNIX&&) = delete;
  IReactorUNIX& operator=(IReactorUNIX&&) = delete;
  virtual ~IReactorUNIX() = default;

  /// Listens on the UNIX socket `path`, with file permissions `mode`. A socket file left by a
  /// dead process (nothing accepts on it) is replaced; one a live process listens on is not.
  /// `stopListening` removes the file if it is still ours.
  /// @throws CannotListenError naming the path and the reason.
  virtual IListeningPort& listenUNIX(const std::string& path, std::shared_ptr<Factory> factory,
                                     int backlog = 50, unsigned mode = 0666) = 0;

  /// Connects to the UNIX socket `path`; reports as connectTCP does.
  virtual IConnector& connectUNIX(const std::string& path, std::shared_ptr<ClientFactory> factory,
                                  Seconds timeout = std::chrono::seconds{30}) = 0;
};

}  // namespace torsion
