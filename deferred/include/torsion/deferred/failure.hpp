#pragma once

#include <cstddef>
#include <exception>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

namespace torsion {

/// An exception that happened somewhere else, carried to whoever handles it (Twisted's
/// `Failure`).
///
/// A Failure wraps a non-null `std::exception_ptr`. Errbacks receive one; `trap` and `check` ask
/// what it holds without the try/catch ladder, and `rethrow` turns it back into an exception.
/// Copies share the same exception object.
///
/// Example:
///     d.addErrback([](torsion::Failure f) {
///       f.trap<ConnectionRefused, ConnectionLost>();  // anything else propagates unchanged
///       return std::string("offline");
///     });
///
/// Ownership: shares ownership of the exception object with every copy and exception_ptr.
/// Thread: a Failure may be moved to another thread; the exception object is not synchronised.
class Failure {
 public:
  /// Wraps `error`.
  /// @throws ValueError if `error` is null.
  explicit Failure(std::exception_ptr error);

  /// Wraps a copy of the exception object `error` (as `std::make_exception_ptr` would).
  // clang-format 14 mangles requires-clauses, so this declaration is laid out by hand.
  // clang-format off
  template <class E>
    requires(!std::is_same_v<std::remove_cvref_t<E>, Failure> &&
             !std::is_same_v<std::remove_cvref_t<E>, std::exception_ptr> &&
             !std::is_pointer_v<std::remove_cvref_t<E>>)
  // The requires-clause excludes Failure, so copying and moving still use the copy and move
  // constructors; clang-tidy 14 recognises only enable_if constraints.
  // NOLINTNEXTLINE(bugprone-forwarding-reference-overload)
  explicit Failure(E&& error)
      : error_(std::make_exception_ptr(std::remove_cvref_t<E>(std::forward<E>(error)))) {}

  // clang-format on

  /// The exception being handled right now, inside a `catch` block (Twisted's `Failure()`).
  /// @throws ValueError if no exception is being handled.
  [[nodiscard]] static Failure current();

  /// The wrapped exception, never null.
  [[nodiscard]] const std::exception_ptr& exception() const noexcept { return error_; }

  /// Throws the wrapped exception object itself, so its dynamic type is preserved.
  [[noreturn]] void rethrow() const;

  /// Returns the index in `E...` of the first type the exception is (or derives from); if it is
  /// none of them, rethrows the exception. Inside an errback this "lets other failures through".
  /// @throws the wrapped exception when it matches none of `E...`.
  template <class... E>
  std::size_t trap() const {  // NOLINT(modernize-use-nodiscard): called for its throw
    static_assert(sizeof...(E) > 0, "trap<E...>() needs at least one exception type");
    std::optional<std::size_t> index = check<E...>();
    if (!index) {
      rethrow();
    }
    return *index;
  }

  /// The index in `E...` of the first type the exception is (or derives from), or nullopt.
  /// `if (f.check<CancelledError>())` reads as a test.
  template <class... E>
  [[nodiscard]] std::optional<std::size_t> check() const noexcept {
    static_assert(sizeof...(E) > 0, "check<E...>() needs at least one exception type");
    std::size_t index = 0;
    std::optional<std::size_t> found;
    auto step = [&found, &index](bool matched) {
      if (matched) {
        found = index;
        return true;
      }
      ++index;
      return false;
    };
    (void)(step(matches<E>()) || ...);  // stops at the first match
    return found;
  }

  /// The exception object as an `E` if it is one (Twisted's `failure.value`), else nullptr.
  /// The pointer stays valid while any copy of this Failure lives.
  template <class E>
  [[nodiscard]] const E* value() const noexcept {
    try {
      std::rethrow_exception(error_);
    } catch (const E& e) {
      return &e;
    } catch (...) {
      return nullptr;
    }
  }

  /// The exception's message (`what()`), or "" for an exception not derived from std::exception.
  [[nodiscard]] std::string what() const;

  /// The exception's demangled type name, e.g. "torsion::CancelledError".
  [[nodiscard]] std::string typeName() const;

 private:
  template <class E>
  [[nodiscard]] bool matches() const noexcept {
    try {
      std::rethrow_exception(error_);
    } catch (const E&) {
      return true;
    } catch (...) {
      return false;
    }
  }

  std::exception_ptr error_;
};

}  // namespace torsion
