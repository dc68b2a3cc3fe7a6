#pragma once

#include <torsion/reactor/delayed_call.hpp>

namespace torsion::detail {

/// Cancels `call` if it is still scheduled; a spent or empty handle is left alone (cancel()
/// itself would throw AlreadyCalled/AlreadyCancelled).
inline void cancelIfActive(DelayedCall& call) noexcept {
  if (call.active()) {
    try {
      call.cancel();
    } catch (...) {  // NOLINT(bugprone-empty-catch): active() said it could not throw
    }
  }
}

}  // namespace torsion::detail
