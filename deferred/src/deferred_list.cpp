#include <cstddef>
#include <utility>

#include <fmt/format.h>

#include <torsion/deferred/deferred_list.hpp>

namespace torsion {

FirstError::FirstError(Failure subFailure, std::size_t index)
    : Error(
          fmt::format("FirstError[#{}, {}: {}]", index, subFailure.typeName(), subFailure.what())),
      subFailure_(std::move(subFailure)),
      index_(index) {}

}  // namespace torsion
