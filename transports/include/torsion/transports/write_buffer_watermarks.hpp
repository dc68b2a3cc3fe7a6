#pragma once

#include <cstddef>

namespace torsion {

/// When a transport pauses and resumes the push producer registered with it: the producer is
/// paused once more than `high` written bytes are unsent (still in the transport's own buffer,
/// beyond what the kernel took), and resumed once they drain to `low` or fewer.
///
/// `high == 0` is allowed: the producer is paused as soon as any byte is left unsent. `low`
/// must not exceed `high`; ITransport::setWriteBufferWatermarks rejects such a pair.
///
/// Example:
///     transport()->setWriteBufferWatermarks({.high = 256 * 1024, .low = 64 * 1024});
///
/// Ownership: a plain value.
struct WriteBufferWatermarks {
  /// Pause a push producer above this many unsent bytes (64 KiB by default)...
  std::size_t high = std::size_t{64} * 1024;

  /// ...and resume it once they drain to this many (16 KiB by default).
  std::size_t low = std::size_t{16} * 1024;

  friend bool operator==(const WriteBufferWatermarks&, const WriteBufferWatermarks&) = default;
};

}  // namespace torsion
