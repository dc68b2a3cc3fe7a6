#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>
#include <random>
#include <utility>

#include <torsion/application/backoff_policy.hpp>

namespace torsion {

RetryPolicy backoffPolicy(BackoffOptions options) {
  std::function<double()> jitter = std::move(options.jitter);
  if (!jitter) {
    std::random_device device;
    jitter = seededJitter(device());
  }
  return [initial = options.initialDelay.count(), maxDelay = options.maxDelay.count(),
          factor = options.factor, jitter = std::move(jitter)](int attempt) {
    // Twisted caps the exponent at 100 so the power cannot overflow; pow gives inf on overflow
    // anyway, which min() turns into maxDelay.
    double exponent = std::min(100, std::max(0, attempt));
    double delay = std::min(initial * std::pow(factor, exponent), maxDelay);
    return Seconds{delay + jitter()};
  };
}

std::function<double()> seededJitter(std::uint32_t seed) {
  // std::function needs a copyable target; the generator is shared by the copies.
  auto engine = std::make_shared<std::mt19937>(seed);
  return [engine] { return std::uniform_real_distribution<double>(0.0, 1.0)(*engine); };
}

}  // namespace torsion
