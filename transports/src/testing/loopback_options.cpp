#include <string>

#include <torsion/testing/loopback_options.hpp>

namespace torsion::testing {

std::string Chunking::toString() const {
  switch (kind_) {
    case Kind::kWholeWrites:
      return "whole writes";
    case Kind::kOneByte:
      return "one byte";
    case Kind::kRandomSplits:
      return "random splits (seed " + std::to_string(seed_) + ")";
  }
  return "unknown chunking";
}

}  // namespace torsion::testing
