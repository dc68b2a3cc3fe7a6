#pragma once

namespace torsion {

/// Mixed into a Protocol that wants to keep writing after the peer half-closes (Twisted's
/// `IHalfCloseableProtocol`).
///
/// Without it, a FIN from the peer ends the connection (`connectionLost` with ConnectionDone),
/// as in Twisted. With it, the transport calls `readConnectionLost` instead and keeps the write
/// side open; the protocol writes its answer and calls `loseConnection` (or
/// `loseWriteConnection`) when done.
///
/// Example:
///     class Summer final : public torsion::Protocol, public torsion::IHalfCloseableProtocol {
///       void readConnectionLost() override { transport()->write(total());
///       transport()->loseConnection(); }
///     };
///
/// Thread: the reactor's thread only.
class IHalfCloseableProtocol {
 public:
  IHalfCloseableProtocol() = default;
  IHalfCloseableProtocol(const IHalfCloseableProtocol&) = delete;
  IHalfCloseableProtocol& operator=(const IHalfCloseableProtocol&) = delete;
  IHalfCloseableProtocol(IHalfCloseableProtocol&&) = delete;
  IHalfCloseableProtocol& operator=(IHalfCloseableProtocol&&) = delete;
  virtual ~IHalfCloseableProtocol() = default;

  /// The peer will send no more data (it sent FIN). Called at most once.
  virtual void readConnectionLost() = 0;
};

}  // namespace torsion
