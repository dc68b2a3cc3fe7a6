#pragma once

#include <type_traits>
#include <utility>
#include <variant>

#include <torsion/deferred/error.hpp>
#include <torsion/deferred/failure.hpp>

namespace torsion {

/// The settled result of a Deferred: a value or a Failure, or nothing yet (Twisted's
/// `(success, result)` pair from a DeferredList, and the argument of an `addBoth` callback).
///
/// Example:
///     d.addBoth([](torsion::Outcome<int> r) { cleanup(); return r; });  // passes r on
///
/// Ownership: owns the value; a copy copies it (so Outcome<T> is copyable when T is).
/// Thread: a plain value type.
template <class T>
class Outcome {
 public:
  static_assert(!std::is_reference_v<T> && !std::is_same_v<std::remove_cv_t<T>, Failure>,
                "Outcome<T> holds a value type other than Failure");

  /// No result yet (`fired()` is false).
  Outcome() noexcept = default;

  /// A success holding `value`.
  Outcome(T value)  // NOLINT(google-explicit-constructor): a value is an Outcome
      : state_(std::in_place_index<1>, std::move(value)) {}

  /// A failure.
  Outcome(Failure failure)  // NOLINT(google-explicit-constructor): so is a Failure
      : state_(std::in_place_index<2>, std::move(failure)) {}

  /// True once a value or a failure is held.
  [[nodiscard]] bool fired() const noexcept { return state_.index() != 0; }

  /// True when a value is held (Twisted's `success` flag).
  [[nodiscard]] bool succeeded() const noexcept { return state_.index() == 1; }

  /// True when a Failure is held.
  [[nodiscard]] bool failed() const noexcept { return state_.index() == 2; }

  /// The value.
  /// @throws the held failure's exception when failed; Error when there is no result yet.
  [[nodiscard]] T& value() & {
    check();
    return std::get<1>(state_);
  }

  /// The value.
  /// @throws as above.
  [[nodiscard]] const T& value() const& {
    check();
    return std::get<1>(state_);
  }

  /// The value, moved out.
  /// @throws as above.
  [[nodiscard]] T&& value() && {
    check();
    return std::get<1>(std::move(state_));
  }

  /// The failure.
  /// @throws Error when no failure is held.
  [[nodiscard]] const Failure& failure() const {
    if (!failed()) {
      throw Error("Outcome::failure(): the Outcome holds no failure");
    }
    return std::get<2>(state_);
  }

 private:
  void check() const {
    if (state_.index() == 2) {
      std::get<2>(state_).rethrow();
    }
    if (state_.index() == 0) {
      throw Error("Outcome::value(): the Outcome has no result yet");
    }
  }

  std::variant<std::monostate, T, Failure> state_;
};

/// The settled result of a `Deferred<void>`: success, a Failure, or nothing yet.
template <>
class Outcome<void> {
 public:
  /// No result yet.
  Outcome() noexcept = default;

  /// A failure.
  Outcome(Failure failure)  // NOLINT(google-explicit-constructor): a Failure is an Outcome
      : state_(std::in_place_index<2>, std::move(failure)) {}

  /// A success (there is no value to hold).
  [[nodiscard]] static Outcome success() noexcept { return Outcome(std::in_place_index<1>); }

  [[nodiscard]] bool fired() const noexcept { return state_.index() != 0; }

  [[nodiscard]] bool succeeded() const noexcept { return state_.index() == 1; }

  [[nodiscard]] bool failed() const noexcept { return state_.index() == 2; }

  /// Returns when succeeded.
  /// @throws the held failure's exception when failed; Error when there is no result yet.
  void value() const {
    if (state_.index() == 2) {
      std::get<2>(state_).rethrow();
    }
    if (state_.index() == 0) {
      throw Error("Outcome::value(): the Outcome has no result yet");
    }
  }

  /// The failure.
  /// @throws Error when no failure is held.
  [[nodiscard]] const Failure& failure() const {
    if (!failed()) {
      throw Error("Outcome::failure(): the Outcome holds no failure");
    }
    return std::get<2>(state_);
  }

 private:
  // Constructs the success alternative in place: nothing can throw (emplace could, in general).
  explicit Outcome(std::in_place_index_t<1> success) noexcept : state_(success) {}

  std::variant<std::monostate, std::monostate, Failure> state_;
};

}  // namespace torsion
