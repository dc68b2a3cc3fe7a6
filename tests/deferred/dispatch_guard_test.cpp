#include <stdexcept>

#include <catch2/catch.hpp>

#include <torsion/deferred/detail/dispatch_guard.hpp>

TEST_CASE("DispatchGuard sets its flag for one scope", "[deferred][dispatch_guard]") {
  bool dispatching = false;
  {
    const torsion::detail::DispatchGuard guard(dispatching);
    REQUIRE(dispatching);
  }
  REQUIRE_FALSE(dispatching);
}

TEST_CASE("DispatchGuard clears its flag when an exception leaves the scope",
          "[deferred][dispatch_guard]") {
  bool dispatching = false;
  auto loop = [&dispatching] {
    const torsion::detail::DispatchGuard guard(dispatching);
    throw std::runtime_error("a callback failed");
  };
  REQUIRE_THROWS_AS(loop(), std::runtime_error);
  REQUIRE_FALSE(dispatching);  // else the queue would never deliver again
}
