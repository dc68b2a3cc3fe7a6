#include <chrono>

#include <fmt/format.h>

#include <torsion/deferred/deferred_error.hpp>

namespace torsion {

AlreadyCalledError::AlreadyCalledError()
    : Error("Deferred already has a result: callback/errback may be called only once") {}

CancelledError::CancelledError() : Error("Deferred was cancelled") {}

TimeoutError::TimeoutError(std::chrono::duration<double> timeout)
    : Error(fmt::format("Deferred timed out after {} seconds", timeout.count())),
      timeout_(timeout) {}

}  // namespace torsion
