#include <torsion/deferred/deferred_lock.hpp>
#include <torsion/deferred/error.hpp>

namespace torsion {

void DeferredLock::release() {
  // Checked here so the message names the lock, not the semaphore inside it.
  if (!locked()) {
    throw Error("DeferredLock::release() on a lock nobody holds");
  }
  tokens_.release();
}

}  // namespace torsion
