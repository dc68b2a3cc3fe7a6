#pragma once

namespace torsion {

/// Something that produces data for a consumer (Twisted's `IProducer`).
///
/// Ownership: a consumer never owns its producer; unregister the producer before destroying it.
/// Thread: the reactor's thread only.
class IProducer {
 public:
  IProducer() = default;
  IProducer(const IProducer&) = delete;
  IProducer& operator=(const IProducer&) = delete;
  IProducer(IProducer&&) = delete;
  IProducer& operator=(IProducer&&) = delete;
  virtual ~IProducer() = default;

  /// Stop producing for good: the consumer is going away (its connection was lost).
  virtual void stopProducing() = 0;
};

}  // namespace torsion
