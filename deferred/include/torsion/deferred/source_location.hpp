#pragma once

#include <cstdint>
#include <version>

#if defined(__cpp_lib_source_location)
#include <source_location>
#endif

namespace torsion {

#if defined(__cpp_lib_source_location)

/// A place in the source: `std::source_location` wherever the standard library provides it.
/// torsion records one as a defaulted argument wherever a Deferred is created, so that an
/// unhandled failure can say where its Deferred came from.
using SourceLocation = std::source_location;

#else

/// `std::source_location`'s interface for toolchains whose standard library lacks it (clang 14
/// with libstdc++ 12 has no `__builtin_source_location`). Built on the `__builtin_FILE`/
/// `__builtin_LINE`/`__builtin_FUNCTION` default-argument builtins, which report the caller's
/// location exactly as `std::source_location::current()` does.
class SourceLocation {
 public:
  constexpr SourceLocation() noexcept = default;

  [[nodiscard]] static constexpr SourceLocation current(
      const char* file = __builtin_FILE(), std::uint_least32_t line = __builtin_LINE(),
      const char* function = __builtin_FUNCTION()) noexcept {
    SourceLocation location;
    location.file_ = file;
    location.line_ = line;
    location.function_ = function;
    return location;
  }

  // The standard's spelling, so that code reads the same with either type.
  [[nodiscard]] constexpr const char* file_name() const noexcept { return file_; }  // NOLINT

  [[nodiscard]] constexpr std::uint_least32_t line() const noexcept { return line_; }

  [[nodiscard]] constexpr std::uint_least32_t column() const noexcept { return 0; }

  [[nodiscard]] constexpr const char* function_name() const noexcept {  // NOLINT
    return function_;
  }

 private:
  const char* file_ = "";
  std::uint_least32_t line_ = 0;
  const char* function_ = "";
};

#endif

}  // namespace torsion
