#pragma once

namespace torsion {

/// Something that wants to know when a file descriptor is readable (Twisted's `IReadDescriptor`).
///
/// `doRead` is called on the reactor thread when `fileno()` is readable, has hung up, or has an
/// error pending; it should read until EAGAIN or a budget, and must not block. If it throws, the
/// reactor logs the exception and removes the descriptor (reader and writer) from its set.
class IReadDescriptor {
 public:
  IReadDescriptor() = default;
  IReadDescriptor(const IReadDescriptor&) = delete;
  IReadDescriptor& operator=(const IReadDescriptor&) = delete;
  IReadDescriptor(IReadDescriptor&&) = delete;
  IReadDescriptor& operator=(IReadDescriptor&&) = delete;
  virtual ~IReadDescriptor() = default;

  /// The descriptor to watch; must stay the same while registered.
  [[nodiscard]] virtual int fileno() const = 0;

  /// The descriptor is readable.
  virtual void doRead() = 0;
};

/// Something that wants to know when a file descriptor is writable (Twisted's
/// `IWriteDescriptor`). Same rules as IReadDescriptor.
class IWriteDescriptor {
 public:
  IWriteDescriptor() = default;
  IWriteDescriptor(const IWriteDescriptor&) = delete;
  IWriteDescriptor& operator=(const IWriteDescriptor&) = delete;
  IWriteDescriptor(IWriteDescriptor&&) = delete;
  IWriteDescriptor& operator=(IWriteDescriptor&&) = delete;
  virtual ~IWriteDescriptor() = default;

  /// The descriptor to watch; must stay the same while registered.
  [[nodiscard]] virtual int fileno() const = 0;

  /// The descriptor is writable.
  virtual void doWrite() = 0;
};

/// Watching arbitrary file descriptors (Twisted's `IReactorFDSet`), so hosts and users can plug
/// their own descriptors into the loop.
///
/// Registrations take effect at once: a descriptor added during a turn is watched in the same
/// poll, and one removed during a turn gets no further call in that turn.
/// Ownership: the reactor does not own descriptors; remove one before destroying it.
/// Thread: the reactor's thread only.
class IReactorFDSet {
 public:
  IReactorFDSet() = default;
  IReactorFDSet(const IReactorFDSet&) = delete;
  IReactorFDSet& operator=(const IReactorFDSet&) = delete;
  IReactorFDSet(IReactorFDSet&&) = delete;
  IReactorFDSet& operator=(IReactorFDSet&&) = delete;
  virtual ~IReactorFDSet() = default;

  /// Starts calling `reader.doRead()` when its descriptor is readable. Adding the same reader
  /// twice does nothing.
  /// @throws ValueError if the descriptor is negative, not open, or already has another reader.
  virtual void addReader(IReadDescriptor& reader) = 0;

  /// Starts calling `writer.doWrite()` when its descriptor is writable.
  /// @throws ValueError as addReader.
  virtual void addWriter(IWriteDescriptor& writer) = 0;

  /// Stops watching for readability.
  /// @throws ValueError if `reader` is not registered.
  virtual void removeReader(IReadDescriptor& reader) = 0;

  /// Stops watching for writability.
  /// @throws ValueError if `writer` is not registered.
  virtual void removeWriter(IWriteDescriptor& writer) = 0;

  /// True while `reader` is registered.
  [[nodiscard]] virtual bool isReading(const IReadDescriptor& reader) const = 0;

  /// True while `writer` is registered.
  [[nodiscard]] virtual bool isWriting(const IWriteDescriptor& writer) const = 0;
};

}  // namespace torsion
