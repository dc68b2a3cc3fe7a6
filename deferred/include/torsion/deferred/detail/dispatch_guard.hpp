#pragma once

namespace torsion::detail {

/// Marks a hand-over loop as running for one scope: sets `flag` on construction and clears it
/// on the way out, also when a callback throws. DeferredQueue and DeferredSemaphore use it so a
/// callback that re-enters them (a `get` or `release` from inside a fired callback) returns and
/// leaves the delivery to the loop already on the stack, which keeps waiters in order.
///
/// Ownership: borrows `flag`, which must outlive the guard.
class DispatchGuard {
 public:
  // The assignment sets the guarded flag through the reference, which the initializer cannot.
  // NOLINTNEXTLINE(cppcoreguidelines-prefer-member-initializer)
  explicit DispatchGuard(bool& flag) noexcept : flag_(flag) { flag_ = true; }

  DispatchGuard(const DispatchGuard&) = delete;
  DispatchGuard& operator=(const DispatchGuard&) = delete;
  DispatchGuard(DispatchGuard&&) = delete;
  DispatchGuard& operator=(DispatchGuard&&) = delete;

  ~DispatchGuard() { flag_ = false; }

 private:
  bool& flag_;
};

}  // namespace torsion::detail
