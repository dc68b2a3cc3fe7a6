#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <new>
#include <type_traits>
#include <utility>

namespace torsion {

template <class Signature>
class UniqueFunction;

/// A move-only, type-erased callable: `std::function` that can own a `std::unique_ptr`.
///
/// `std::move_only_function` is C++23 and g++ 12 lacks it under C++20, so torsion stores every
/// callback it keeps (timers, thread calls, Deferred callbacks) in this type. Callables up to
/// three pointers in size that are nothrow-movable live inline; larger ones take one heap
/// allocation.
///
/// Ownership: owns the callable; moving transfers it and leaves the source empty.
/// Thread: not thread-safe; a value moved to another thread belongs to that thread.
/// @throws std::bad_function_call when an empty UniqueFunction is called.
template <class R, class... Args>
class UniqueFunction<R(Args...)> {
 public:
  /// An empty function; `bool(f)` is false.
  UniqueFunction() noexcept = default;

  /// An empty function; `bool(f)` is false.
  // NOLINTNEXTLINE(google-explicit-constructor): converts implicitly, like std::function
  UniqueFunction(std::nullptr_t) noexcept {}

  /// Wraps `f`, moving or copying it in.
  // clang-format 14 mangles requires-clauses, so this declaration is laid out by hand.
  // clang-format off
  template <class F>
    requires(!std::is_same_v<std::remove_cvref_t<F>, UniqueFunction> &&
             std::is_invocable_r_v<R, std::decay_t<F>&, Args...>)
  // Callables convert implicitly, as to std::function; the constraint excludes UniqueFunction
  // itself, so the move constructor is not hidden.
  // NOLINTNEXTLINE(google-explicit-constructor,bugprone-forwarding-reference-overload)
  UniqueFunction(F&& f) {
    // clang-format on
    using Fn = std::decay_t<F>;
    if constexpr (kFitsInline<Fn>) {
      ::new (static_cast<void*>(storage_.buf)) Fn(std::forward<F>(f));
    } else {
      storage_.heap = new Fn(std::forward<F>(f));  // NOLINT(cppcoreguidelines-owning-memory)
    }
    invoke_ = &invokeImpl<Fn>;
    manage_ = &manageImpl<Fn>;
  }

  UniqueFunction(UniqueFunction&& other) noexcept { moveFrom(other); }

  UniqueFunction& operator=(UniqueFunction&& other) noexcept {
    if (this != &other) {
      reset();
      moveFrom(other);
    }
    return *this;
  }

  UniqueFunction& operator=(std::nullptr_t) noexcept {
    reset();
    return *this;
  }

  UniqueFunction(const UniqueFunction&) = delete;
  UniqueFunction& operator=(const UniqueFunction&) = delete;

  ~UniqueFunction() { reset(); }

  /// Calls the wrapped callable.
  /// @throws std::bad_function_call if empty; otherwise whatever the callable throws.
  R operator()(Args... args) {
    if (invoke_ == nullptr) {
      throw std::bad_function_call();
    }
    return invoke_(storage_, std::forward<Args>(args)...);
  }

  /// True when a callable is held.
  explicit operator bool() const noexcept { return invoke_ != nullptr; }

 private:
  static constexpr std::size_t kInlineSize = 3 * sizeof(void*);

  union Storage {
    alignas(std::max_align_t) unsigned char buf[kInlineSize];
    void* heap;
  };

  enum class Op { kMove, kDestroy };

  using Invoker = R (*)(Storage&, Args&&...);
  using Manager = void (*)(Op, Storage& self, Storage* target) noexcept;

  // A function kept apart from the size test: clang-tidy 14's misc-redundant-expression takes
  // `sizeof(Fn) <= a && alignof(Fn) <= b` for a repeated operand.
  template <class Fn>
  [[nodiscard]] static constexpr bool alignmentFits() noexcept {
    return alignof(Fn) <= alignof(std::max_align_t);
  }

  template <class Fn>
  static constexpr bool kFitsInline =
      alignmentFits<Fn>() && std::is_nothrow_move_constructible_v<Fn> && sizeof(Fn) <= kInlineSize;

  template <class Fn>
  static Fn& target(Storage& s) noexcept {
    if constexpr (kFitsInline<Fn>) {
      return *std::launder(reinterpret_cast<Fn*>(s.buf));  // NOLINT: placement storage
    } else {
      return *static_cast<Fn*>(s.heap);
    }
  }

  template <class Fn>
  static R invokeImpl(Storage& s, Args&&... args) {
    return std::invoke(target<Fn>(s), std::forward<Args>(args)...);
  }

  template <class Fn>
  static void manageImpl(Op op, Storage& self, Storage* other) noexcept {
    if constexpr (kFitsInline<Fn>) {
      Fn& fn = target<Fn>(self);
      if (op == Op::kMove) {
        ::new (static_cast<void*>(other->buf)) Fn(std::move(fn));
      }
      // Ending the moved-from object's lifetime is required, not a use of its value.
      fn.~Fn();  // NOLINT(bugprone-use-after-move)
    } else {
      if (op == Op::kMove) {
        other->heap = self.heap;
      } else {
        delete static_cast<Fn*>(self.heap);  // NOLINT(cppcoreguidelines-owning-memory)
      }
    }
  }

  void moveFrom(UniqueFunction& other) noexcept {
    if (other.manage_ != nullptr) {
      other.manage_(Op::kMove, other.storage_, &storage_);
      invoke_ = other.invoke_;
      manage_ = other.manage_;
      other.invoke_ = nullptr;
      other.manage_ = nullptr;
    }
  }

  void reset() noexcept {
    if (manage_ != nullptr) {
      Manager manage = manage_;
      invoke_ = nullptr;
      manage_ = nullptr;
      manage(Op::kDestroy, storage_, nullptr);
    }
  }

  Storage storage_{};
  Invoker invoke_ = nullptr;
  Manager manage_ = nullptr;
};

}  // namespace torsion
