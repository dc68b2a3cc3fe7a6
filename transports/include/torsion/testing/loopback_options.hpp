#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include <torsion/transports/address.hpp>

namespace torsion {

class Clock;

namespace testing {

/// How the loopback pump cuts the byte stream into `dataReceived` calls, so one test can check
/// that a protocol does not depend on where TCP happens to split its input.
///
/// - `wholeWrites()`: each `write` (or `writeSequence`) arrives as one `dataReceived`, unless a
///   finite buffer cuts it.
/// - `oneByte()`: every byte is its own `dataReceived`.
/// - `randomSplits(seed)`: the bytes in flight are coalesced across writes and cut at random
///   points drawn from a `std::mt19937` seeded with `seed`; the same seed gives the same cuts on
///   every run and platform.
///
/// Ownership: a plain value.
class Chunking {
 public:
  enum class Kind : std::uint8_t { kWholeWrites, kOneByte, kRandomSplits };

  /// Whole writes (the default).
  Chunking() = default;

  [[nodiscard]] static Chunking wholeWrites() noexcept { return {}; }

  [[nodiscard]] static Chunking oneByte() noexcept { return Chunking(Kind::kOneByte, 0); }

  [[nodiscard]] static Chunking randomSplits(std::uint32_t seed) noexcept {
    return Chunking(Kind::kRandomSplits, seed);
  }

  [[nodiscard]] Kind kind() const noexcept { return kind_; }

  /// The seed of `randomSplits`; 0 for the other kinds.
  [[nodiscard]] std::uint32_t seed() const noexcept { return seed_; }

  /// "whole writes", "one byte" or "random splits (seed 7)", for test names and messages.
  [[nodiscard]] std::string toString() const;

 private:
  Chunking(Kind kind, std::uint32_t seed) noexcept : kind_(kind), seed_(seed) {}

  Kind kind_ = Kind::kWholeWrites;
  std::uint32_t seed_ = 0;
};

/// How a LoopbackPump models the network between its two ends.
///
/// Ownership: a plain value; `clock`, when set, is borrowed and must outlive the pump.
struct LoopbackOptions {
  /// Where the byte stream is cut into `dataReceived` calls.
  Chunking chunking;

  /// How many bytes the network holds in each direction (the kernel's socket buffers, both ends
  /// together). Unset, the network takes everything written on each step, so a writer's unsent
  /// count never grows past one step's writes and producers are paused only by writes larger
  /// than the high watermark. Set, a reader that is paused (or slower than the writer) leaves
  /// the network full, the writer's unsent bytes grow, and its push producer really pauses.
  /// Must be greater than 0.
  std::optional<std::size_t> bufferLimit;

  /// A registered push producer is paused above this many unsent bytes (as on a socket)...
  std::size_t highWatermark = std::size_t{64} * 1024;

  /// ...and resumed once they drain to this many. Must not exceed `highWatermark`.
  std::size_t lowWatermark = std::size_t{16} * 1024;

  /// A fake clock to drive with the pump: `pump()` also runs the calls already due on it, and
  /// `LoopbackPump::advance` interleaves its timers with I/O. Null: the pump ignores time.
  Clock* clock = nullptr;

  /// The server end's address: the server transport's `getHost()`, the client's `getPeer()`.
  Address serverAddress = Address::ipv4("127.0.0.1", 8000);

  /// The client end's address: the client transport's `getHost()`, the server's `getPeer()`.
  Address clientAddress = Address::ipv4("127.0.0.1", 40000);

  /// How many steps `pump()` takes before it decides the two ends will never go quiet.
  std::size_t maxSteps = 100000;
};

}  // namespace testing
}  // namespace torsion
