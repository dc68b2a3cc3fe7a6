#pragma once

#include <cstddef>

#include <torsion/transports/iproducer.hpp>
#include <torsion/transports/ipull_producer.hpp>
#include <torsion/transports/ipush_producer.hpp>
#include <torsion/transports/write_buffer_watermarks.hpp>

namespace torsion::detail {

/// A consumer's registered producer and its watermark bookkeeping, shared by every stream
/// transport (StreamConnection, LoopbackTransport, StringTransport).
///
/// It decides, it does not call: each `…If…` method updates the state and returns the producer
/// the transport must now call (or null), so each transport keeps its own policy for what a
/// producer's exception does (abort the connection, or reach the test).
class ProducerSlot {
 public:
  /// @throws ValueError if `marks.low` exceeds `marks.high` (naming `who` and both values).
  static void checkWatermarks(WriteBufferWatermarks marks, const char* who);

  /// Checks that `producer` is the kind `streaming` says and that none is registered yet.
  /// @throws ValueError otherwise.
  void checkRegistration(IProducer& producer, bool streaming) const;

  /// Registers `producer` (after checkRegistration). Returns it as a push producer if it must
  /// be paused at once, because `unsent` is already over the high mark.
  IPushProducer* registerProducer(IProducer& producer, bool streaming, std::size_t unsent);

  /// Forgets the producer without calling it and returns it (null if there was none).
  IProducer* take() noexcept;

  /// Sets the marks (after checkWatermarks).
  void setWatermarks(WriteBufferWatermarks marks) noexcept { marks_ = marks; }

  [[nodiscard]] WriteBufferWatermarks watermarks() const noexcept { return marks_; }

  /// The push producer to pause now: registered, not paused by us, and `unsent` above the high
  /// mark. Marks it paused.
  IPushProducer* pauseIfOver(std::size_t unsent) noexcept;

  /// The push producer to resume now: paused by us, and `unsent` at or below the low mark.
  /// Marks it resumed.
  IPushProducer* resumeIfDrained(std::size_t unsent) noexcept;

  /// The registered pull producer, or null.
  [[nodiscard]] IPullProducer* pull() const noexcept;

  [[nodiscard]] IProducer* producer() const noexcept { return producer_; }

  /// Whether the registered producer is a push producer; false when none is registered.
  [[nodiscard]] bool streaming() const noexcept { return producer_ != nullptr && streaming_; }

  /// True while the transport holds its push producer paused.
  [[nodiscard]] bool paused() const noexcept { return paused_; }

 private:
  IProducer* producer_ = nullptr;
  bool streaming_ = false;
  bool paused_ = false;
  WriteBufferWatermarks marks_;
};

}  // namespace torsion::detail
