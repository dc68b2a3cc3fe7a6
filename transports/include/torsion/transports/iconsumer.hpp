#pragma once

#include <string_view>

#include <torsion/transports/iproducer.hpp>

namespace torsion {

/// Something that accepts bytes and a producer of them (Twisted's `IConsumer`).
///
/// Ownership: the consumer refers to its producer without owning it; the producer must stay
/// alive until `unregisterProducer()` or until the consumer calls its `stopProducing()`.
/// Thread: the reactor's thread only.
class IConsumer {
 public:
  IConsumer() = default;
  IConsumer(const IConsumer&) = delete;
  IConsumer& operator=(const IConsumer&) = delete;
  IConsumer(IConsumer&&) = delete;
  IConsumer& operator=(IConsumer&&) = delete;
  virtual ~IConsumer() = default;

  /// Registers `producer`. `streaming` true means it is an IPushProducer (paused and resumed by
  /// the consumer); false means an IPullProducer (asked for each chunk).
  /// @throws ValueError if a producer is already registered, or if `producer` is not the kind
  ///   `streaming` says.
  virtual void registerProducer(IProducer& producer, bool streaming) = 0;

  /// Forgets the registered producer; does nothing if there is none.
  virtual void unregisterProducer() = 0;

  /// Queues `data` to be written. The bytes are copied (or sent at once); `data` need not
  /// outlive the call.
  virtual void write(std::string_view data) = 0;
};

}  // namespace torsion
