#pragma once

#include <memory>
#include <span>
#include <string_view>

#include <torsion/protocols/protocol_wrapper.hpp>
#include <torsion/transports/iproducer.hpp>
#include <torsion/transports/protocol.hpp>

namespace torsion {

class ThrottlingFactory;

/// The wrapper ThrottlingFactory puts around each protocol (Twisted's
/// `policies.ThrottlingProtocol`): it reports the bytes read and written to the factory, and
/// pauses reading or the registered producer when the factory says so.
///
/// Unlike Twisted's, it keeps two reasons for a pause apart, so neither undoes the other:
/// - reads: the real transport is resumed only when neither the throttle nor the wrapped
///   protocol itself (through `pauseProducing` on its transport) wants it paused;
/// - writes: a push producer is registered with the real transport through a gate that resumes
///   the producer only when neither the throttle nor the real transport (over its high
///   watermark) holds it paused.
/// A pull producer is registered directly and is not throttled: the real transport asks a pull
/// producer for more whenever its buffer is empty, so holding it back would spin the loop (in
/// Twisted, throttling a pull producer does nothing either).
///
/// Ownership: as ProtocolWrapper; the producer gate it registers is its own and is unregistered
/// with the wrapped protocol's producer.
/// Thread: the reactor's thread only.
class ThrottlingProtocol final : public ProtocolWrapper {
 public:
  /// Wraps `wrapped` for `factory`.
  /// @throws ValueError if either is null.
  ThrottlingProtocol(const std::shared_ptr<ThrottlingFactory>& factory,
                     std::unique_ptr<Protocol> wrapped);
  ~ThrottlingProtocol() override;

  ThrottlingProtocol(const ThrottlingProtocol&) = delete;
  ThrottlingProtocol& operator=(const ThrottlingProtocol&) = delete;
  ThrottlingProtocol(ThrottlingProtocol&&) = delete;
  ThrottlingProtocol& operator=(ThrottlingProtocol&&) = delete;

  /// Counts the bytes as read, then forwards them.
  void dataReceived(std::string_view data) override;

  /// Counts the bytes as written, then forwards them.
  void write(std::string_view data) override;

  /// Counts the bytes as written, then forwards them.
  void writeSequence(std::span<const std::string_view> data) override;

  /// Registers `producer` with the real transport (a push producer through the throttle gate).
  void registerProducer(IProducer& producer, bool streaming) override;

  /// Unregisters the producer (and its gate).
  void unregisterProducer() override;

  /// The wrapped protocol pauses reading.
  void pauseProducing() override;

  /// The wrapped protocol resumes reading; reading restarts unless the throttle holds it.
  void resumeProducing() override;

  /// Pauses reading for the factory's read limit (Twisted's `throttleReads`).
  void throttleReads();

  /// Ends the read throttle (Twisted's `unthrottleReads`).
  void unthrottleReads();

  /// Pauses the registered push producer for the factory's write limit.
  void throttleWrites();

  /// Ends the write throttle.
  void unthrottleWrites();

  /// True while the read throttle is on.
  [[nodiscard]] bool readsThrottled() const noexcept { return readsThrottled_; }

  /// True while the write throttle is on.
  [[nodiscard]] bool writesThrottled() const noexcept { return writesThrottled_; }

 private:
  class PushGate;

  void updateReading();

  ThrottlingFactory& throttler_;
  bool readsThrottled_ = false;
  bool writesThrottled_ = false;
  bool pausedByProtocol_ = false;
  bool readingPaused_ = false;
  std::unique_ptr<PushGate> gate_;
};

}  // namespace torsion
