// The traffic of one interop run, built the same way as tests/interop/interop_support.py builds
// it for the Twisted side: a list of messages, their framed encoding, and that encoding cut into
// pieces at awkward places, so a receiver on the other end sees prefixes, delimiters and bodies
// arrive split.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace interop {

/// How messages are framed on the wire: twisted.protocols.basic's receivers.
enum class Framing { kLine, kNetstring, kInt8, kInt16, kInt32 };

/// The framing named "line", "netstring", "int8", "int16" or "int32".
/// @throws std::invalid_argument for any other name.
[[nodiscard]] Framing parseFraming(std::string_view name);

/// The largest message the framing can carry, capped at `wanted`: 255 for int8, 65535 for int16.
[[nodiscard]] std::size_t largestMessage(Framing framing, std::size_t wanted) noexcept;

/// `count` small messages (0 to 40 bytes, every 97th up to 300; random bytes, with no CRLF
/// inside a line) and one message of `big` bytes in the middle, from a fixed seed.
[[nodiscard]] std::vector<std::string> makeMessages(Framing framing, std::size_t count,
                                                    std::size_t big, std::uint32_t seed);

/// The messages framed and concatenated, and where to cut them into the pieces to write.
///
/// Pieces: one byte at a time for the first kOneByteStretch bytes; then, frame by frame, a cut
/// inside every 4th frame's header (between prefix bytes, or between a netstring's digits and
/// ':') and inside its trailer (between '\r' and '\n', before a netstring's ','), a cut in the
/// middle of the next frame's body, and no cut in the two after, so that pieces also carry
/// several frames and end in the middle of one. Bodies over 64 KiB are cut every 65537 bytes.
///
/// A writer that waits for the echoes of the messages a piece completed (`messagesDone`) before
/// writing the next piece knows the receiver read that piece on its own, so those cuts are seen
/// exactly as made; other pieces go one per reactor turn and may be coalesced on the way.
struct FramedStream {
  static constexpr std::size_t kOneByteStretch = 2000;

  std::string bytes;
  std::vector<std::size_t> pieceEnds;     ///< increasing; the last is bytes.size()
  std::vector<std::size_t> messagesDone;  ///< messages complete once piece i is written

  /// Piece `i` of pieceEnds.size(); a view into `bytes`.
  [[nodiscard]] std::string_view piece(std::size_t i) const;
};

/// Frames `messages` with `framing` and cuts the result as FramedStream describes.
[[nodiscard]] FramedStream frameAwkwardly(Framing framing,
                                          const std::vector<std::string>& messages);

}  // namespace interop
