#pragma once

#include <stdexcept>

namespace torsion {

/// Base of every exception torsion throws, so a caller can catch them all in one place.
///
/// torsion throws for misuse and for failures the caller can act on at once (STYLE.md rule 21);
/// failures that happen later arrive as a `Failure` in an errback or in `connectionLost`.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// An argument's value is out of its domain: a negative or NaN delay, an unknown backend name.
class ValueError : public Error {
 public:
  using Error::Error;
};

}  // namespace torsion
