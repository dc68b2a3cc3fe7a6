#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <torsion/deferred/failure.hpp>
#include <torsion/testing/string_transport.hpp>

#include "fake_connection.hpp"
#include "fuzz_input.hpp"
#include "fuzz_target.hpp"

// What every receiver fuzz target (line, line-only, netstring, int-N string) shares: reading the
// common option bytes and the chunking, feeding the stream to a fresh receiver on a fresh
// FakeConnection as a transport would, and running the same stream once chunked and once whole.
// Each target keeps only what is specific to its receiver: its Options, its recording Receiver
// with the invariant checks, and its comparison rule.

namespace torsion::fuzz {

/// The delimiters a line fuzzer picks from: the usual ones, multi-byte ones that overlap
/// themselves ("aa", "aba"), and a NUL byte.
inline constexpr std::array<std::string_view, 7> kDelimiters{
    "\r\n", "\n", "\r", "\r\n\r\n", "aa", "aba", std::string_view("\0", 1)};

/// Reads a line fuzzer's delimiter: one byte picks from kDelimiters (byte % 8); 7 reads a custom
/// delimiter of 1 to 4 bytes (a length byte, then the bytes), "\n" when the input has run out.
inline std::string readDelimiter(FuzzInput& input) {
  const std::uint8_t choice = input.takeByte();
  if (choice % 8U < kDelimiters.size()) {
    return std::string(kDelimiters[choice % 8U]);
  }
  const std::string_view custom = input.takeBytes(input.takeByte() % 4U + 1U);
  // Built, not assigned from the view: g++ 12 -O3 reports a false -Wrestrict on
  // `std::string = std::string_view` here.
  return custom.empty() ? std::string("\n") : std::string(custom);
}

/// How one input byte maps to a receiver's maxLength: 224 and up give the receiver's default
/// (its usual setting), 223 an unbounded limit when `offersUnbounded`, anything else
/// byte % modulus (small, so the fuzzer reaches the limit often).
struct MaxLengthChoice {
  std::size_t defaultMax = 0;
  unsigned modulus = 1;
  bool offersUnbounded = false;
};

/// Reads a maxLength byte as `choice` says.
inline std::size_t readMaxLength(FuzzInput& input, const MaxLengthChoice& choice) {
  const std::uint8_t byte = input.takeByte();
  if (byte >= 224) {
    return choice.defaultMax;
  }
  if (byte == 223 && choice.offersUnbounded) {
    return std::numeric_limits<std::size_t>::max();
  }
  return byte % choice.modulus;
}

/// The end of every receiver fuzz input, [n][n chunk sizes][stream], read: the stream, and the
/// chunks a transport delivers it in (see cutIntoChunks).
///
/// Ownership: views the fuzz input's bytes.
struct ChunkedStream {
  std::string_view stream;
  std::vector<std::string_view> chunks;
};

/// Reads the chunk sizes and the stream, which is the rest of the input.
inline ChunkedStream readChunkedStream(FuzzInput& input) {
  const std::string_view sizes = input.takeBytes(input.takeByte());
  ChunkedStream result;
  result.stream = input.takeRest();
  result.chunks = cutIntoChunks(result.stream, sizes);
  return result;
}

/// The part of a fuzzer's recording receiver that every receiver shares: a `Base` (the receiver
/// under test) that checks connectionLost runs once and no hook runs after it or once the
/// transport is disconnecting, and that checks the transport holds exactly the bytes the hooks
/// meant to write.
///
/// runReceiver calls feed, beforeChunk and afterChunks on the derived type: a receiver hides
/// them to add its own steps (the defaults feed the chunk as is and do nothing else).
///
/// Ownership: as `Base`; the connection it is given must outlive it.
/// Thread: the fuzzer's thread only.
/// Re-entrancy: as `Base`; the checks run inside its hooks.
template <class Base>
class RecordingReceiver : public Base {
 public:
  using Base::Base;

  /// Feeds one chunk.
  void feed(std::string_view chunk) { this->dataReceived(chunk); }

  /// Runs before chunk `index` is fed, and before runReceiver decides whether to feed it.
  void beforeChunk(const FakeConnection& /*connection*/, std::size_t /*index*/) {}

  /// Runs once the chunks are fed (or the connection closed), before the end-of-run checks.
  void afterChunks(const FakeConnection& /*connection*/) {}

  void connectionLost(const Failure& reason) override {
    check(!lost_, "connectionLost ran twice");
    lost_ = true;
    Base::connectionLost(reason);
  }

  /// Whether connectionLost ran.
  [[nodiscard]] bool lost() const noexcept { return lost_; }

 protected:
  /// Checks a hook may run now: connected, and not closing.
  void checkMayDeliver() const {
    check(!lost_, "a hook ran after connectionLost");
    check(this->transport() != nullptr, "a hook ran without a transport");
    check(!this->transport()->disconnecting(),
          "a hook ran after the transport started disconnecting");
  }

  /// Records bytes a hook is about to write through the receiver's send method.
  void expectWritten(std::string_view bytes) { expectedWrites_.append(bytes); }

  /// Checks that `transport` holds exactly the bytes expectWritten recorded (`invariant` names
  /// the send method), and returns them.
  [[nodiscard]] std::string checkWritten(const testing::StringTransport& transport,
                                         const char* invariant) const {
    check(transport.value() == expectedWrites_, invariant);
    return transport.value();
  }

 private:
  std::string expectedWrites_;
  bool lost_ = false;
};

/// Feeds `chunks` to a fresh `Receiver` on a fresh FakeConnection of the kind
/// `options.transportKind` chooses, ending a reactor turn after each chunk and stopping, as a real
/// transport does, once a close was requested or the connection is lost. Returns what
/// `Receiver::finish` returns after its end-of-run checks.
///
/// `Receiver` is a RecordingReceiver constructible from `const Options&`, with
/// `finish(const testing::StringTransport&)`.
template <class Receiver, class Options>
auto runReceiver(const Options& options, const std::vector<std::string_view>& chunks) {
  Receiver receiver(options);
  FakeConnection connection(options.transportKind);
  connection.connect(receiver);
  for (std::size_t index = 0; index < chunks.size(); ++index) {
    receiver.beforeChunk(connection, index);
    if (!connection.reading() || receiver.lost()) {
      break;  // A real transport stops reading once a close was requested.
    }
    receiver.feed(chunks[index]);
    connection.endTurn();
  }
  receiver.afterChunks(connection);
  return receiver.finish(connection.transport());
}

/// What a receiver produced on the chosen chunks and, when there was more than one chunk and
/// the options make the outcome independent of the chunking, on the whole stream at once.
template <class Outcome>
struct ChunkedAndWhole {
  Outcome chunked;
  std::optional<Outcome> whole;
};

/// Runs `input` through a fresh `Receiver` in its chunks, and again in one chunk when
/// `options.chunkIndependent()` and the chunks are more than one; the caller compares.
template <class Receiver, class Options>
auto runChunkedAndWhole(const Options& options, const ChunkedStream& input) {
  using Outcome = decltype(runReceiver<Receiver>(options, input.chunks));
  ChunkedAndWhole<Outcome> runs{runReceiver<Receiver>(options, input.chunks), std::nullopt};
  if (options.chunkIndependent() && input.chunks.size() > 1) {
    runs.whole = runReceiver<Receiver>(options, {input.stream});
  }
  return runs;
}

}  // namespace torsion::fuzz
