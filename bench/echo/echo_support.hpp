#pragma once

// What the echo suite's C++ programs share: raising the descriptor limit.
#include <cstdio>

#include <sys/resource.h>

namespace torsion::bench {

/// The descriptors every server of the suite asks for: the idle workload holds 10,000
/// connections, far beyond the usual soft limit of 1024.
inline constexpr rlim_t kServerFdLimit = 16384;

/// Raises RLIMIT_NOFILE's soft limit to at least `needed` descriptors, and the hard limit too
/// when `needed` is above it (root may; others get the hard limit). Returns the soft limit now in
/// force; says on stderr when it is still below `needed`.
inline rlim_t raiseFdLimit(rlim_t needed) {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) {
    return 0;
  }
  if (limit.rlim_cur < needed) {
    limit.rlim_cur = needed;
    if (limit.rlim_max < needed) {
      limit.rlim_max = needed;  // only root may do this; otherwise the call below fails
    }
    if (setrlimit(RLIMIT_NOFILE, &limit) != 0) {
      getrlimit(RLIMIT_NOFILE, &limit);
      limit.rlim_cur = limit.rlim_max;
      setrlimit(RLIMIT_NOFILE, &limit);
    }
    getrlimit(RLIMIT_NOFILE, &limit);
  }
  if (limit.rlim_cur < needed) {
    std::fprintf(stderr, "warning: RLIMIT_NOFILE is %llu, below the %llu needed\n",
                 static_cast<unsigned long long>(limit.rlim_cur),
                 static_cast<unsigned long long>(needed));
  }
  return limit.rlim_cur;
}

}  // namespace torsion::bench
