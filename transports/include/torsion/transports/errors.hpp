#pragma once

#include <string>

#include <torsion/deferred/error.hpp>

namespace torsion {

/// Base of the reasons a connection ended (Twisted's `ConnectionClosed`).
class ConnectionClosed : public Error {
 public:
  using Error::Error;
};

/// The connection was closed cleanly: our `loseConnection` after flushing, or the peer's FIN
/// (Twisted's `ConnectionDone`).
class ConnectionDone : public ConnectionClosed {
 public:
  ConnectionDone();
  using ConnectionClosed::ConnectionClosed;
};

/// The connection was lost in a non-clean way: a reset, a write to a closed peer, a reactor
/// shutdown. The message carries the errno text when there was one (Twisted's `ConnectionLost`).
class ConnectionLost : public ConnectionClosed {
 public:
  ConnectionLost();
  using ConnectionClosed::ConnectionClosed;
};

/// The connection was closed by our own `abortConnection`, dropping unsent data (Twisted's
/// `ConnectionAborted`; a ConnectionLost, as in Twisted, so test for it first).
class ConnectionAborted : public ConnectionLost {
 public:
  ConnectionAborted();
  using ConnectionLost::ConnectionLost;
};

/// Base of the reasons an outgoing connection could not be made (Twisted's `ConnectError`).
/// Used as is for errors without a more specific type; the message names the errno text.
class ConnectError : public Error {
 public:
  using Error::Error;
};

/// The peer refused the connection: nothing listens there (Twisted's `ConnectionRefusedError`).
class ConnectionRefusedError : public ConnectError {
 public:
  using ConnectError::ConnectError;
};

/// There is no route to the host or network (Twisted's `NoRouteError`).
class NoRouteError : public ConnectError {
 public:
  using ConnectError::ConnectError;
};

/// The host name could not be resolved (Twisted's `DNSLookupError`).
class DNSLookupError : public ConnectError {
 public:
  using ConnectError::ConnectError;
};

/// The connection attempt took longer than its timeout, or the kernel gave up (ETIMEDOUT)
/// (Twisted's `error.TimeoutError` and `TCPTimedOutError`; renamed so as not to clash with the
/// Deferred's `torsion::TimeoutError`).
class ConnectingTimeoutError : public ConnectError {
 public:
  using ConnectError::ConnectError;
};

/// The connection attempt was cancelled by `stopConnecting()` (Twisted's `UserError`).
class ConnectingCancelledError : public ConnectError {
 public:
  using ConnectError::ConnectError;
};

/// A port could not be opened: the address is in use, not available, or not permitted
/// (Twisted's `CannotListenError`). Thrown synchronously by listenTCP/listenUNIX/listenUDP.
class CannotListenError : public Error {
 public:
  using Error::Error;
};

/// A datagram is too long for the socket (Twisted's `MessageLengthError`).
class MessageLengthError : public Error {
 public:
  using Error::Error;
};

/// Joining or leaving a multicast group failed (Twisted's `MulticastJoinError`).
class MulticastJoinError : public Error {
 public:
  using Error::Error;
};

/// An endpoint description string is malformed; the message names the bad part.
class EndpointParseError : public ValueError {
 public:
  using ValueError::ValueError;
};

}  // namespace torsion
