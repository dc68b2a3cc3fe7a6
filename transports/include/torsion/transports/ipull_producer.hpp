#pragma once

#include <torsion/transports/iproducer.hpp>

namespace torsion {

/// A producer that writes one chunk each time it is asked (Twisted's `IPullProducer`).
///
/// A transport with a registered pull producer calls `resumeProducing` each time its write
/// buffer is empty and the socket can take more.
/// Thread: the reactor's thread only.
class IPullProducer : public IProducer {
 public:
  /// Write one more chunk to the consumer (or unregister, when there is nothing left).
  virtual void resumeProducing() = 0;
};

}  // namespace torsion
