#pragma once

#include <torsion/deferred/error.hpp>

namespace torsion {

/// The peer sent bytes that are not a netstring (Twisted's `NetstringParseError`). The message
/// says which rule broke, e.g. "netstring: length too long (123456 > 99999)".
///
/// NetstringReceiver never throws it: it passes it to its `netstringError` hook.
class NetstringParseError : public Error {
 public:
  using Error::Error;
};

/// A string is too long for the length prefix it would be sent with (Twisted's
/// `StringTooLongError`). A ValueError, since the caller passed a value out of the domain.
class StringTooLongError : public ValueError {
 public:
  using ValueError::ValueError;
};

}  // namespace torsion
