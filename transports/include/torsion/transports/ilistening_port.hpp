#pragma once

#include <torsion/deferred/unique_function.hpp>
#include <torsion/transports/address.hpp>

namespace torsion {

/// A listening socket (Twisted's `IListeningPort`).
///
/// Ownership: the reactor owns it; the reference `listenTCP` and friends return is valid until
/// the completion callback given to `stopListening()` runs (or, without one, until the reactor
/// turn after `stopListening`). A port the application forgets keeps listening, as in Twisted.
/// Thread: the reactor's thread only.
class IListeningPort {
 public:
  IListeningPort() = default;
  IListeningPort(const IListeningPort&) = delete;
  IListeningPort& operator=(const IListeningPort&) = delete;
  IListeningPort(IListeningPort&&) = delete;
  IListeningPort& operator=(IListeningPort&&) = delete;
  virtual ~IListeningPort() = default;

  /// Stops accepting. The socket is closed and the factory's `stopFactory` (if this was its
  /// last user) runs on a later turn; then `onStopped` runs (Twisted fires a Deferred). Calling
  /// it again does nothing (and drops the second callback). Connections already made live on.
  virtual void stopListening(UniqueFunction<void()> onStopped = nullptr) = 0;

  /// The address it listens on; for port 0, the port the kernel chose.
  [[nodiscard]] virtual Address getHost() const = 0;
};

}  // namespace torsion
