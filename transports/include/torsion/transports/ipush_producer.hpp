#pragma once

#include <torsion/transports/iproducer.hpp>

namespace torsion {

/// A producer that writes whenever it likes until told to pause (Twisted's `IPushProducer`).
///
/// A transport is one: pausing it stops reading from its socket. A transport pauses a registered
/// push producer when its write buffer passes the high watermark and resumes it when the buffer
/// drains below the low one.
/// Thread: the reactor's thread only.
/// Re-entrancy: a consumer may call pauseProducing/resumeProducing from inside the producer's
/// own write; implementations must tolerate that.
class IPushProducer : public IProducer {
 public:
  /// Stop producing until resumeProducing; calling it while paused does nothing.
  virtual void pauseProducing() = 0;

  /// Produce again after pauseProducing; calling it while producing does nothing.
  virtual void resumeProducing() = 0;
};

}  // namespace torsion
