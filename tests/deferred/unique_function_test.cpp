#include <array>
#include <functional>
#include <memory>
#include <string>

#include <catch2/catch.hpp>

#include <torsion/deferred/unique_function.hpp>

using torsion::UniqueFunction;

TEST_CASE("UniqueFunction calls a small lambda stored inline", "[deferred][unique_function]") {
  int calls = 0;
  UniqueFunction<int(int)> f = [&calls](int x) {
    ++calls;
    return x * 2;
  };
  REQUIRE(static_cast<bool>(f));
  REQUIRE(f(21) == 42);
  REQUIRE(calls == 1);
}

TEST_CASE("UniqueFunction owns a move-only capture", "[deferred][unique_function]") {
  auto owned = std::make_unique<std::string>("owned");
  UniqueFunction<std::string()> f = [p = std::move(owned)] { return *p; };
  REQUIRE(f() == "owned");

  UniqueFunction<std::string()> g = std::move(f);
  REQUIRE_FALSE(static_cast<bool>(f));  // NOLINT(bugprone-use-after-move): testing moved-from state
  REQUIRE(g() == "owned");
}

TEST_CASE("UniqueFunction stores a large callable on the heap and moves it without copying",
          "[deferred][unique_function]") {
  std::array<long, 16> big{};
  big.fill(3);
  auto counter = std::make_shared<int>(0);
  UniqueFunction<long()> f = [big, counter] {
    ++*counter;
    long sum = 0;
    for (long v : big) {
      sum += v;
    }
    return sum;
  };
  UniqueFunction<long()> g;
  g = std::move(f);
  REQUIRE(g() == 48);
  REQUIRE(*counter == 1);
  REQUIRE(counter.use_count() == 2);  // exactly one copy of the capture lives, inside g
  g = nullptr;
  REQUIRE(counter.use_count() == 1);  // assigning nullptr destroyed it
}

TEST_CASE("UniqueFunction destroys its callable exactly once", "[deferred][unique_function]") {
  auto token = std::make_shared<int>(7);
  {
    UniqueFunction<void()> a = [token] {};
    UniqueFunction<void()> b = std::move(a);
    UniqueFunction<void()> c;
    c = std::move(b);
    REQUIRE(token.use_count() == 2);
  }
  REQUIRE(token.use_count() == 1);
}

TEST_CASE("An empty UniqueFunction throws bad_function_call", "[deferred][unique_function]") {
  UniqueFunction<void()> f;
  REQUIRE_FALSE(static_cast<bool>(f));
  REQUIRE_THROWS_AS(f(), std::bad_function_call);
}

TEST_CASE("UniqueFunction passes arguments through by reference", "[deferred][unique_function]") {
  UniqueFunction<void(std::string&)> f = [](std::string& s) { s += "!"; };
  std::string text = "hi";
  f(text);
  REQUIRE(text == "hi!");
}
