#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include <torsion/deferred/deferred.hpp>
#include <torsion/deferred/unique_function.hpp>
#include <torsion/transports/iconsumer.hpp>
#include <torsion/transports/ipull_producer.hpp>

namespace torsion {

/// A pull producer that streams a file to a consumer, one chunk each time the consumer asks
/// (Twisted's `basic.FileSender`).
///
/// `beginFileTransfer` opens the file and registers the sender with the consumer as a pull
/// producer (`registerProducer(*this, false)`). Each `resumeProducing` reads one chunk (the
/// chunk size given at construction, 64 KiB by default: the real transport's high watermark, so
/// one chunk fills its buffer once; Twisted reads 16 KiB), passes it through the optional
/// transform and writes it. At end of file the sender unregisters and the Deferred fires with
/// the number of bytes written to the consumer (after the transform; Twisted fires with the
/// last byte written, which says less). If the consumer stops the producer (its connection was
/// lost) or reading the file fails, the Deferred fails: ConnectionLost or an Error naming the
/// file and the errno text. A sender runs one transfer at a time and may start another once the
/// previous Deferred has fired.
///
/// Example:
///     torsion::FileSender sender;   // a member of the protocol, so it outlives the transfer
///     sender.beginFileTransfer("/srv/big.iso", *transport())
///         .addCallback([](std::uint64_t sent) { ... });
///
/// Ownership: the consumer refers to the sender without owning it: keep the sender alive until
/// the Deferred fires (a member of the protocol that owns the transport does). The sender owns
/// the open file and closes it when the transfer ends. The Deferred fires as the sender's last
/// act, so its callbacks may destroy the sender.
/// Thread: the reactor's thread only; reads are blocking `read(2)` calls on the reactor's thread,
/// which suits local files (use a thread for slow filesystems).
/// Re-entrancy: a transform may not call back into the sender.
class FileSender final : public IPullProducer {
 public:
  /// Twisted reads 2**14 bytes; torsion reads what the real transport buffers before pausing.
  static constexpr std::size_t kDefaultChunkSize = std::size_t{64} * 1024;

  /// Turns each chunk read into the bytes to write (Twisted's `transform`).
  using Transform = UniqueFunction<std::string(std::string)>;

  /// A sender reading `chunkSize` bytes per chunk.
  /// @throws ValueError if `chunkSize` is 0.
  explicit FileSender(std::size_t chunkSize = kDefaultChunkSize);

  /// Closes the file if a transfer is still running (which breaks the ownership rule above).
  ~FileSender() override;

  FileSender(const FileSender&) = delete;
  FileSender& operator=(const FileSender&) = delete;
  FileSender(FileSender&&) = delete;
  FileSender& operator=(FileSender&&) = delete;

  /// Starts sending the file at `path` to `consumer`.
  /// @throws ValueError if the file cannot be opened (naming it and why), or a transfer is
  ///   already running; what `registerProducer` throws (the consumer has a producer already).
  [[nodiscard]] Deferred<std::uint64_t> beginFileTransfer(const std::filesystem::path& path,
                                                          IConsumer& consumer,
                                                          Transform transform = {});

  /// Starts sending from the open descriptor `fd`, from its current offset, to `consumer`. The
  /// sender reads a duplicate of `fd`; the caller keeps (and closes) its own.
  /// @throws ValueError if `fd` cannot be duplicated or a transfer is already running; what
  ///   `registerProducer` throws.
  [[nodiscard]] Deferred<std::uint64_t> beginFileTransfer(int fd, IConsumer& consumer,
                                                          Transform transform = {});

  /// Writes the next chunk, or unregisters and fires the Deferred at end of file. Called by the
  /// consumer.
  void resumeProducing() override;

  /// Ends the transfer and fails the Deferred with ConnectionLost. Called by the consumer when
  /// its connection is lost.
  void stopProducing() override;

  /// Bytes written to the consumer in the current (or last) transfer.
  [[nodiscard]] std::uint64_t bytesSent() const noexcept { return sent_; }

  /// True between beginFileTransfer and the Deferred firing.
  [[nodiscard]] bool transferring() const noexcept { return fd_ >= 0; }

 private:
  Deferred<std::uint64_t> begin(int ownedFd, std::string name, IConsumer& consumer,
                                Transform transform);
  void closeFile() noexcept;
  /// Ends the transfer; returns the Deferred for the caller to fire as its last act.
  Deferred<std::uint64_t> finish() noexcept;

  std::size_t chunkSize_;
  int fd_ = -1;
  std::string name_;
  IConsumer* consumer_ = nullptr;
  Transform transform_;
  std::uint64_t sent_ = 0;
  std::optional<Deferred<std::uint64_t>> deferred_;
  std::string buffer_;
};

}  // namespace torsion
