#pragma once

#include <torsion/deferred/error.hpp>

namespace torsion {

/// A DelayedCall that already ran was cancelled, reset or delayed (Twisted's `AlreadyCalled`).
class AlreadyCalled : public Error {
 public:
  using Error::Error;
};

/// A DelayedCall that was already cancelled was cancelled, reset or delayed again
/// (Twisted's `AlreadyCancelled`).
class AlreadyCancelled : public Error {
 public:
  using Error::Error;
};

/// `stop()` was called on a reactor that is not running, or is already stopping
/// (Twisted's `ReactorNotRunning`).
class ReactorNotRunning : public Error {
 public:
  using Error::Error;
};

/// `run()` was called while the reactor was already running (Twisted's `ReactorAlreadyRunning`).
class ReactorAlreadyRunning : public Error {
 public:
  using Error::Error;
};

/// A system call the reactor needs failed; the message names the call and errno's text.
class SystemError : public Error {
 public:
  using Error::Error;
};

}  // namespace torsion
