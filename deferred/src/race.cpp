#include <utility>
#include <vector>

#include <fmt/format.h>

#include <torsion/deferred/race.hpp>

namespace torsion {

FailureGroup::FailureGroup(std::vector<Failure> failures)
    : Error(fmt::format("FailureGroup: all {} Deferreds failed", failures.size())),
      failures_(std::move(failures)) {}

}  // namespace torsion
