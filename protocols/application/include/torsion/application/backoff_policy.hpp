#pragma once

#include <cstdint>
#include <functional>

#include <torsion/reactor/delayed_call.hpp>

namespace torsion {

/// How long a ClientService waits before its next connection attempt, given the number of
/// consecutive failed attempts so far (1 after the first failure or lost connection).
using RetryPolicy = std::function<Seconds(int attempt)>;

/// The parameters of `backoffPolicy` (Twisted's `backoffPolicy` keyword arguments).
struct BackoffOptions {
  /// The delay before the retry after the first failure is `initialDelay * factor`.
  Seconds initialDelay{1.0};
  /// The cap, before jitter is added.
  Seconds maxDelay{60.0};
  /// How much the delay grows per failed attempt.
  double factor = 1.5;
  /// Noise added to every delay, in seconds; empty means a uniform value in [0, 1) from a
  /// generator seeded by std::random_device (Twisted's `random.random`). Tests pass
  /// `seededJitter(seed)` or a constant.
  std::function<double()> jitter;
};

/// Exponential backoff with jitter (Twisted's `backoffPolicy`): the delay for `attempt` is
/// `min(initialDelay * factor^min(attempt, 100), maxDelay) + jitter()` seconds. With the
/// defaults, retries come after about 1.5, 2.25, 3.4, 5.1 ... seconds, never more than 61.
///
/// Example:
///     torsion::ClientServiceOptions options;
///     options.retryPolicy = torsion::backoffPolicy({.initialDelay = 0.5s, .maxDelay = 30s});
///
/// Thread: the returned policy is not thread-safe (its default jitter has a generator).
[[nodiscard]] RetryPolicy backoffPolicy(BackoffOptions options = {});

/// A jitter source for BackoffOptions: uniform in [0, 1), reproducible from `seed`.
[[nodiscard]] std::function<double()> seededJitter(std::uint32_t seed);

}  // namespace torsion
