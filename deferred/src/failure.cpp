#include <exception>
#include <string>
#include <utility>

#include <torsion/deferred/error.hpp>
#include <torsion/deferred/failure.hpp>
#include <torsion/deferred/logger.hpp>

namespace torsion {

Failure::Failure(std::exception_ptr error) : error_(std::move(error)) {
  if (!error_) {
    throw ValueError("Failure needs an exception; got a null exception_ptr");
  }
}

Failure Failure::current() {
  std::exception_ptr error = std::current_exception();
  if (!error) {
    throw ValueError("Failure::current() called outside a catch block");
  }
  return Failure(std::move(error));
}

void Failure::rethrow() const {
  std::rethrow_exception(error_);
}

std::string Failure::what() const {
  return describeException(error_).what;
}

std::string Failure::typeName() const {
  return describeException(error_).typeName;
}

}  // namespace torsion
