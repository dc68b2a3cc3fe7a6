#include <exception>
#include <stdexcept>
#include <string>

#include <catch2/catch.hpp>

#include <torsion/deferred/deferred_error.hpp>
#include <torsion/deferred/error.hpp>
#include <torsion/deferred/failure.hpp>

namespace {

struct NotAnException {
  int code;
};

}  // namespace

TEST_CASE("Failure wraps an exception object, an exception_ptr, or the current exception",
          "[deferred][failure]") {
  torsion::Failure fromObject(std::runtime_error("one"));
  CHECK(fromObject.what() == "one");

  torsion::Failure fromPtr(std::make_exception_ptr(std::logic_error("two")));
  CHECK(fromPtr.what() == "two");

  try {
    throw std::out_of_range("three");
  } catch (...) {
    torsion::Failure current = torsion::Failure::current();
    CHECK(current.what() == "three");
    CHECK(current.typeName() == "std::out_of_range");
  }
}

TEST_CASE("Failure refuses a null exception_ptr and a missing current exception",
          "[deferred][failure]") {
  CHECK_THROWS_AS(torsion::Failure(std::exception_ptr()), torsion::ValueError);
  CHECK_THROWS_AS(torsion::Failure::current(), torsion::ValueError);
}

TEST_CASE("Failure::trap returns the index of the first matching type, base classes included",
          "[deferred][failure]") {
  torsion::Failure f(torsion::CancelledError{});
  CHECK(f.trap<torsion::CancelledError>() == 0);
  CHECK(f.trap<std::logic_error, torsion::Error>() == 1);
  CHECK(f.trap<std::exception, torsion::CancelledError>() == 0);
}

TEST_CASE("Failure::trap rethrows the original exception when nothing matches",
          "[deferred][failure]") {
  torsion::Failure f(std::out_of_range("far"));
  try {
    f.trap<torsion::CancelledError, std::domain_error>();
    FAIL("trap did not throw");
  } catch (const std::out_of_range& e) {
    CHECK(std::string(e.what()) == "far");
  }
}

TEST_CASE("Failure::check answers without throwing", "[deferred][failure]") {
  torsion::Failure f(torsion::TimeoutError(std::chrono::duration<double>(2.5)));
  CHECK(f.check<torsion::TimeoutError>() == 0U);
  CHECK(f.check<torsion::CancelledError, torsion::Error>() == 1U);
  CHECK_FALSE(f.check<torsion::CancelledError>());
}

TEST_CASE("Failure::value gives the exception object itself", "[deferred][failure]") {
  torsion::Failure f(torsion::TimeoutError(std::chrono::duration<double>(2.5)));
  const auto* timeout = f.value<torsion::TimeoutError>();
  REQUIRE(timeout != nullptr);
  CHECK(timeout->timeout().count() == 2.5);
  CHECK(f.value<torsion::CancelledError>() == nullptr);
  CHECK(f.what() == "Deferred timed out after 2.5 seconds");
}

TEST_CASE("Failure carries exceptions not derived from std::exception", "[deferred][failure]") {
  torsion::Failure f(NotAnException{7});
  CHECK(f.what().empty());
  CHECK(f.check<NotAnException>());
  const NotAnException* value = f.value<NotAnException>();
  REQUIRE(value != nullptr);
  CHECK(value->code == 7);
  CHECK_THROWS_AS(f.rethrow(), NotAnException);
}

TEST_CASE("Failure::rethrow throws the same exception object", "[deferred][failure]") {
  torsion::Failure f(std::runtime_error("same"));
  const std::runtime_error* before = f.value<std::runtime_error>();
  try {
    f.rethrow();
  } catch (const std::runtime_error& e) {
    CHECK(&e == before);
  }
}
