#pragma once

#include <chrono>
#include <concepts>
#include <coroutine>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <type_traits>
#include <typeinfo>
#include <utility>

#include <torsion/deferred/deferred_core.hpp>
#include <torsion/deferred/deferred_error.hpp>
#include <torsion/deferred/error.hpp>
#include <torsion/deferred/failure.hpp>
#include <torsion/deferred/outcome.hpp>
#include <torsion/deferred/source_location.hpp>
#include <torsion/deferred/unique_function.hpp>

namespace torsion {

template <class T>
class Deferred;

namespace detail {

template <class T>
class DeferredPromise;
class DeferredPromiseBase;

/// Stands in for "no value" where a parameter type is needed (`Deferred<void>::callback`).
struct Unit {};

template <class T>
using ValueArg = std::conditional_t<std::is_void_v<T>, Unit, T>;

template <class T>
struct IsDeferred : std::false_type {};

template <class U>
struct IsDeferred<Deferred<U>> : std::true_type {};

template <class T>
struct IsOutcome : std::false_type {};

template <class U>
struct IsOutcome<Outcome<U>> : std::true_type {};

/// The chain's next result type when a step returns R and its input type is In: a Deferred<U>
/// or Outcome<U> yields U, a Failure keeps In, void stays void, anything else is itself.
template <class R, class In>
struct StepOutput {
  using Type = std::remove_cvref_t<R>;
};

template <class In>
struct StepOutput<void, In> {
  using Type = void;
};

template <class U, class In>
struct StepOutput<Deferred<U>, In> {
  using Type = U;
};

template <class U, class In>
struct StepOutput<Outcome<U>, In> {
  using Type = U;
};

template <class In>
struct StepOutput<Failure, In> {
  using Type = In;
};

template <class R, class In>
using StepOutputT =
    typename StepOutput<std::conditional_t<std::is_void_v<R>, void, std::remove_cvref_t<R>>,
                        In>::Type;

/// The placeholder for "no callback" (or "no errback"): the result passes through unchanged.
struct Passthrough {};

template <class F, class In>
struct CallbackInvocable : std::is_invocable<F&, In&&> {};

template <class F>
struct CallbackInvocable<F, void> : std::is_invocable<F&> {};

template <class F, class In>
struct CallbackReturn {
  using Type = std::invoke_result_t<F&, In&&>;
};

template <class F>
struct CallbackReturn<F, void> {
  using Type = std::invoke_result_t<F&>;
};

/// The output type of `addCallbacks(cb, eb)` on a chain of In.
template <class In, class Cb>
struct CallbacksOutput {
  using Type = StepOutputT<typename CallbackReturn<Cb, In>::Type, In>;
};

template <class In>
struct CallbacksOutput<In, Passthrough> {
  using Type = In;
};

/// True when an errback returning R can continue a chain of Out.
template <class R, class Out>
inline constexpr bool kErrbackFits = [] {
  using D = std::remove_cvref_t<R>;
  if constexpr (std::is_void_v<R>) {
    return std::is_void_v<Out>;
  } else if constexpr (std::is_same_v<D, Failure>) {
    return true;
  } else if constexpr (IsDeferred<D>::value || IsOutcome<D>::value) {
    return std::is_same_v<StepOutputT<D, Out>, Out>;
  } else if constexpr (std::is_void_v<Out>) {
    return false;
  } else {
    return std::is_constructible_v<Out, R>;
  }
}();

/// Reaches the core of a handle, for torsion's own templates (combinators, coroutines).
class DeferredAccess {
 public:
  template <class T>
  [[nodiscard]] static DeferredCore* core(const Deferred<T>& d) noexcept {
    return d.core_;
  }

  /// A handle that adopts one existing reference to `core`.
  template <class T>
  [[nodiscard]] static Deferred<T> adopt(DeferredCore* core) noexcept {
    return Deferred<T>(core);
  }
};

/// Makes the value `make()` returns the chain's next result. `make` may throw (the caller turns
/// that into a Failure), may return a Deferred (the run loop then waits for it), an Outcome, a
/// Failure, a value or nothing.
template <class Out, class Make>
void deliver(DeferredCore& core, Make&& make) {
  using R = decltype(std::forward<Make>(make)());
  using D = std::remove_cvref_t<R>;
  if constexpr (std::is_void_v<R>) {
    static_assert(std::is_void_v<Out>, "a step returning void continues a Deferred<void>");
    std::forward<Make>(make)();
    core.setVoidValue();
  } else if constexpr (IsDeferred<D>::value) {
    D inner = std::forward<Make>(make)();
    DeferredCore* innerCore = DeferredAccess::core(inner);
    if (innerCore == nullptr) {
      throw Error("a callback returned an empty (moved-from) Deferred");
    }
    if (innerCore == &core) {
      throw Error("a callback returned the Deferred it was attached to; it would wait forever");
    }
    innerCore->checkCurrentType(typeid(Out), "(returned from a callback)");
    innerCore->ref();
    core.setPendingInner(innerCore);
  } else if constexpr (std::is_same_v<D, Failure>) {
    D failure = std::forward<Make>(make)();
    core.setFailure(failure.exception());
  } else if constexpr (IsOutcome<D>::value) {
    D outcome = std::forward<Make>(make)();
    if (outcome.failed()) {
      core.setFailure(outcome.failure().exception());
    } else if constexpr (std::is_void_v<Out>) {
      outcome.value();  // throws when the Outcome is empty
      core.setVoidValue();
    } else {
      core.emplaceValueWith<Out>([&]() -> Out&& { return std::move(outcome).value(); });
    }
  } else {
    core.emplaceValueWith<Out>(std::forward<Make>(make));
  }
}

/// The result of `core` as an Outcome (moved out; the slot is left empty).
template <class In>
Outcome<In> takeOutcome(DeferredCore& core) {
  if (core.hasFailure()) {
    return Outcome<In>(Failure(core.takeFailure()));
  }
  if constexpr (std::is_void_v<In>) {
    core.clearValue();
    return Outcome<void>::success();
  } else {
    return Outcome<In>(core.takeValue<In>());
  }
}

/// A callback/errback pair: one link of Twisted's chain.
template <class In, class Out, class Cb, class Eb>
struct CallbacksStep {
  // A Passthrough or capture-less callable takes no room, so that a step capturing up to two
  // pointers still fits a core's inline node slot.
  [[no_unique_address]] Cb cb;
  [[no_unique_address]] Eb eb;

  void run(DeferredCore& core) noexcept {
    if (core.hasFailure()) {
      if constexpr (!std::is_same_v<Eb, Passthrough>) {
        Failure failure(core.takeFailure());
        try {
          deliver<Out>(core,
                       [&]() -> decltype(auto) { return std::invoke(eb, std::move(failure)); });
        } catch (...) {
          core.setFailure(std::current_exception());
        }
      }
    } else if constexpr (!std::is_same_v<Cb, Passthrough>) {
      try {
        if constexpr (std::is_void_v<In>) {
          core.clearValue();
          deliver<Out>(core, [&]() -> decltype(auto) { return std::invoke(cb); });
        } else {
          In in = core.takeValue<In>();
          deliver<Out>(core, [&]() -> decltype(auto) { return std::invoke(cb, std::move(in)); });
        }
      } catch (...) {
        core.setFailure(std::current_exception());
      }
    }
  }
};

/// An `addBoth` callback that takes the settled result as an Outcome.
template <class In, class Out, class F>
struct BothStep {
  [[no_unique_address]] F fn;

  void run(DeferredCore& core) noexcept {
    try {
      Outcome<In> outcome = takeOutcome<In>(core);
      deliver<Out>(core, [&]() -> decltype(auto) { return std::invoke(fn, std::move(outcome)); });
    } catch (...) {
      core.setFailure(std::current_exception());
    }
  }
};

/// A queued step: lives in one of its core's inline node slots when it fits (a capture-less
/// callback, or one capturing up to two pointers), else costs one allocation.
template <class Step>
struct StepNode : CallbackNode {
  explicit StepNode(Step&& s) : CallbackNode(&kOps), step(std::move(s)) {}

  static void runNode(CallbackNode* self, DeferredCore& core) noexcept {
    static_cast<StepNode*>(self)->step.run(core);
  }

  static void destroyNode(CallbackNode* self, bool onHeap) noexcept {
    auto* node = static_cast<StepNode*>(self);
    if (onHeap) {
      delete node;  // NOLINT(cppcoreguidelines-owning-memory): made by DeferredCore::makeNode
    } else {
      node->~StepNode();
    }
  }

  static constexpr NodeOps kOps{&runNode, &destroyNode};

  Step step;
};

/// What addTimeout shares between the scheduled call and the chain.
template <class Handle>
struct TimeoutState {
  bool timedOut = false;
  std::optional<Handle> pending;  // the handle callLater returned

  void cancelCall() {
    if (pending && pending->active()) {
      pending->cancel();
    }
  }
};

/// Anything with `callLater(std::chrono::duration<double>, UniqueFunction<void()>)` returning a
/// handle (by value) with `cancel()` and `active()`: the reactor, the fake Clock, a test's fake.
template <class C>
concept TimeSource = requires(C& clock, std::chrono::duration<double> delay,
                              UniqueFunction<void()> fn) {
  { clock.callLater(delay, std::move(fn)).active() } -> std::convertible_to<bool>;
  clock.callLater(delay, std::move(fn)).cancel();
};

/// addTimeout's default: a CancelledError caused by the timeout becomes a TimeoutError.
struct CancelledToTimeoutError {
  Failure operator()(const Failure& failure, std::chrono::duration<double> timeout) const {
    failure.trap<CancelledError>();
    throw TimeoutError(timeout);
  }
};

template <class T>
class DeferredAwaiter;

}  // namespace detail

/// A result that is not there yet: Twisted's Deferred, with a typed chain.
///
/// A Deferred<T> is a cheap handle to one shared chain. `callback(value)` or `errback(failure)`
/// fires it once; the callbacks added with `addCallback`, `addErrback`, `addBoth` and
/// `addCallbacks` then run in order, synchronously, each one's return becoming the next one's
/// input: a plain value, a `Deferred<U>` whose result the chain waits for, a `Failure` or thrown
/// exception (which switches to the errback path) or an `Outcome<U>`. A callback added to a
/// Deferred that already has its result runs at once, inside `addCallback`.
///
/// Typed chains: a step may change the result type. `addCallback` then returns a
/// `Deferred<U>` handle to the same chain, and this handle becomes stale for adding callbacks
/// (it may still fire, cancel and pause the chain). When the type does not change, `addCallback`
/// returns `*this`, so Twisted's `d.addCallback(f); d.addCallback(g);` works as written.
///
/// A function returning Deferred<T> may be a coroutine: it may `co_await` any Deferred and
/// `co_return` a value. Deferred<void> works everywhere: its callbacks take no argument.
///
/// Example:
///     torsion::Deferred<std::string> d;
///     d.addCallback([](std::string s) { return s.size(); })
///         .addErrback([](torsion::Failure f) { f.trap<CancelledError>(); return std::size_t{0}; })
///         .addCallback([](std::size_t n) { std::cout << n << '\n'; });
///     d.callback("hello");  // prints 5
///
/// Ownership: handles share the chain (non-atomic reference count, one heap allocation). The
///   chain lives while any handle, or any chain waiting on it, or a coroutine awaiting it, holds
///   it; when the last one goes while the result is an unhandled Failure, the failure is logged
///   (namespace "torsion.deferred", field unhandled=true). A chain that never fires and is
///   dropped by everyone is freed silently, together with whatever waits only on it.
/// Thread: not thread-safe; a chain belongs to one thread (the reactor's).
/// Re-entrancy: callbacks may add callbacks, fire other Deferreds and cancel; a callback added
///   while the chain runs is queued and runs in order. Chains waiting on chains run iteratively,
///   so no length of chain overflows the stack.
template <class T>
class [[nodiscard]] Deferred {
  static_assert(!std::is_reference_v<T> && !std::is_const_v<T>,
                "Deferred<T> holds a value type; use a pointer or std::reference_wrapper");
  static_assert(!detail::IsDeferred<std::remove_cv_t<T>>::value &&
                    !detail::IsOutcome<std::remove_cv_t<T>>::value &&
                    !std::is_same_v<std::remove_cv_t<T>, Failure>,
                "a Deferred's result cannot itself be a Deferred, an Outcome or a Failure");
  static_assert(std::is_void_v<T> || std::is_move_constructible_v<T>,
                "Deferred<T> needs a move-constructible T");

 public:
  using ValueType = T;
  using promise_type = detail::DeferredPromise<T>;

  /// A new Deferred with no result and no canceller. `origin` (defaulted to the caller's
  /// location) is reported if the chain ends in an unhandled Failure.
  explicit Deferred(SourceLocation origin = SourceLocation::current())
      : core_(detail::DeferredCore::create(typeid(T), origin)) {}

  /// A new Deferred whose `cancel()` calls `canceller(*this)` while it has no result (Twisted's
  /// canceller). If the canceller does not fire it, it errbacks with CancelledError.
  // clang-format 14 mangles requires-clauses, so this declaration is laid out by hand.
  // clang-format off
  template <class F>
    requires(!std::is_same_v<std::remove_cvref_t<F>, Deferred> &&
             !std::is_same_v<std::remove_cvref_t<F>, SourceLocation> &&
             std::is_invocable_v<std::decay_t<F>&, Deferred&>)
  // The requires-clause excludes Deferred itself, so copying and moving still use the copy and
  // move constructors; clang-tidy 14 recognises only enable_if constraints.
  // NOLINTNEXTLINE(bugprone-forwarding-reference-overload)
  explicit Deferred(F&& canceller, SourceLocation origin = SourceLocation::current())
      : Deferred(origin) {
    // clang-format on
    core_->setCanceller(
        [fn = std::decay_t<F>(std::forward<F>(canceller))](detail::DeferredCore& core) mutable {
          core.ref();
          Deferred self(&core);
          std::invoke(fn, self);
        });
  }

  Deferred(const Deferred& other) noexcept : core_(other.core_) {
    if (core_ != nullptr) {
      core_->ref();
    }
  }

  Deferred(Deferred&& other) noexcept : core_(std::exchange(other.core_, nullptr)) {}

  Deferred& operator=(const Deferred& other) noexcept {
    if (this != &other) {
      Deferred(other).swap(*this);  // copy-and-swap: the old chain is released by the temporary
    }
    return *this;
  }

  Deferred& operator=(Deferred&& other) noexcept {
    Deferred(std::move(other)).swap(*this);
    return *this;
  }

  ~Deferred() {
    if (core_ != nullptr) {
      detail::DeferredCore::release(core_);
    }
  }

  void swap(Deferred& other) noexcept { std::swap(core_, other.core_); }

  /// False for a moved-from handle (the only kind that refers to no chain).
  [[nodiscard]] bool valid() const noexcept { return core_ != nullptr; }

  // --- firing ------------------------------------------------------------------------------

  /// Gives the chain its result and runs the callbacks before returning.
  /// @throws AlreadyCalledError if it already has a result (unless it was cancelled without a
  ///   canceller: then this call is silently dropped, once, as in Twisted).
  /// @throws StaleDeferredError if T is not the chain's first result type.
  void callback(detail::ValueArg<T> value) requires(!std::is_void_v<T>) {
    detail::DeferredCore& core = checkedCore();
    core.checkInitialType(typeid(T), "callback");
    if (!core.prepareFire()) {
      return;
    }
    core.emplaceValueWith<T>([&]() -> T&& { return std::move(value); });
    core.finishFire();
  }

  /// Fires a Deferred<void> and runs its callbacks.
  /// @throws AlreadyCalledError, StaleDeferredError as above.
  void callback() requires std::is_void_v<T> {
    detail::DeferredCore& core = checkedCore();
    core.checkInitialType(typeid(void), "callback");
    if (!core.prepareFire()) {
      return;
    }
    core.setVoidValue();
    core.finishFire();
  }

  /// Fires the chain with a failure and runs the errbacks before returning.
  /// @throws AlreadyCalledError as `callback`.
  void errback(const Failure& failure) { checkedCore().fireFailure(failure.exception()); }

  /// Fires the chain with the failure `error` holds.
  /// @throws ValueError if `error` is null; AlreadyCalledError as `callback`.
  void errback(std::exception_ptr error) { errback(Failure(std::move(error))); }

  /// Fires the chain with a failure wrapping a copy of the exception object `error`.
  /// @throws AlreadyCalledError as `callback`.
  template <class E>

  requires(!std::is_same_v<std::remove_cvref_t<E>, Failure> &&
           !std::is_same_v<std::remove_cvref_t<E>, std::exception_ptr>) void errback(E&& error) {
    errback(Failure(std::forward<E>(error)));
  }

  // --- building the chain ------------------------------------------------------------------

  /// Adds a callback: `cb(T)` (or `cb()` for void) runs when the chain has a value; a failure
  /// skips it. Returns `*this` when cb keeps the type T, else a `Deferred<U>` handle to this same
  /// chain (U from cb's return: U, Deferred<U> or Outcome<U>).
  /// @throws StaleDeferredError if a callback changed the chain's type since this handle's.
  template <class Cb>
  decltype(auto) addCallback(Cb&& cb) {
    return addCallbacks(std::forward<Cb>(cb), detail::Passthrough{});
  }

  /// Adds an errback: `eb(Failure)` runs when the chain has a failure and either recovers (returns
  /// a T, a Deferred<T> or an Outcome<T>) or fails again (throws, `trap`s a non-matching failure,
  /// or returns a Failure). A value skips it. Returns `*this`.
  /// @throws StaleDeferredError as addCallback.
  template <class Eb>
  Deferred& addErrback(Eb&& eb) {
    return addCallbacks(detail::Passthrough{}, std::forward<Eb>(eb));
  }

  /// Adds a callback and an errback at the same position: exactly one of them runs (Twisted's
  /// addCallbacks). The errback must produce the callback's output type.
  /// @throws StaleDeferredError as addCallback.
  template <class Cb, class Eb>
  decltype(auto) addCallbacks(Cb&& cb, Eb&& eb) {
    using C = std::decay_t<Cb>;
    using E = std::decay_t<Eb>;
    if constexpr (!std::is_same_v<C, detail::Passthrough>) {
      static_assert(detail::CallbackInvocable<C, T>::value,
                    "addCallback: the callback must be callable with the chain's value (T&&), or "
                    "with no argument on a Deferred<void>");
    }
    using Out = typename detail::CallbacksOutput<T, C>::Type;
    if constexpr (!std::is_same_v<E, detail::Passthrough>) {
      static_assert(std::is_invocable_v<E&, Failure&&>,
                    "addErrback: the errback must be callable with a Failure");
      static_assert(detail::kErrbackFits<std::invoke_result_t<E&, Failure&&>, Out>,
                    "addErrback: the errback must return the chain's type (or Deferred/Outcome "
                    "of it), a Failure, or void on a Deferred<void>");
    }
    return addStep<Out>(
        detail::CallbacksStep<T, Out, C, E>{std::forward<Cb>(cb), std::forward<Eb>(eb)});
  }

  /// Adds a callable that runs whatever the result: `f(Outcome<T>)` if it accepts one, else the
  /// same callable as both callback and errback (`f(T)` / `f()` and `f(Failure)`, e.g. a generic
  /// lambda). Returns as addCallback.
  /// @throws StaleDeferredError as addCallback.
  template <class F>
  decltype(auto) addBoth(F&& f) {
    using Fn = std::decay_t<F>;
    if constexpr (std::is_invocable_v<Fn&, Outcome<T>&&>) {
      using Out = detail::StepOutputT<std::invoke_result_t<Fn&, Outcome<T>&&>, T>;
      return addStep<Out>(detail::BothStep<T, Out, Fn>{std::forward<F>(f)});
    } else {
      static_assert(std::is_copy_constructible_v<Fn>,
                    "addBoth(f) without an Outcome parameter installs f twice, so f must be "
                    "copyable");
      Fn copy(f);
      return addCallbacks(std::move(copy), std::forward<F>(f));
    }
  }

  /// Cancels the chain `timeout` from now through `clock.callLater` unless it fired by then; a
  /// CancelledError caused by the timeout is turned into a TimeoutError by
  /// `onTimeoutCancel(failure, timeout)` (Twisted's addTimeout). When the chain gets its result
  /// first, the pending call is cancelled. Returns `*this`.
  ///
  /// Clock is anything with `callLater(std::chrono::duration<double>, UniqueFunction<void()>)`
  /// returning a handle with `cancel()` and `active()` (the reactor, the fake Clock).
  /// onTimeoutCancel maps a Failure to the Failure to continue with (return it, or throw); unlike
  /// Twisted's it only sees failures, so recover with a later errback.
  /// Ownership: the scheduled call holds a handle to the chain until it runs or is cancelled.
  /// @throws StaleDeferredError as addCallback.
  template <class Clock, class OnTimeout = detail::CancelledToTimeoutError>

  requires detail::TimeSource<Clock> Deferred& addTimeout(std::chrono::duration<double> timeout,
                                                          Clock& clock,
                                                          OnTimeout onTimeoutCancel = {}) {
    checkedCore().checkCurrentType(typeid(T), "addTimeout");
    using Handle =
        std::remove_cvref_t<decltype(clock.callLater(timeout, UniqueFunction<void()>()))>;
    auto state = std::make_shared<detail::TimeoutState<Handle>>();
    state->pending.emplace(
        clock.callLater(timeout, UniqueFunction<void()>([state, self = *this]() mutable {
                          state->timedOut = true;
                          self.cancel();
                        })));
    auto onFailure = [state, timeout,
                      convert = std::move(onTimeoutCancel)](Failure failure) mutable -> Failure {
      state->cancelCall();
      if (state->timedOut) {
        return convert(std::move(failure), timeout);
      }
      return failure;
    };
    if constexpr (std::is_void_v<T>) {
      return addCallbacks([state]() { state->cancelCall(); }, std::move(onFailure));
    } else {
      return addCallbacks(
          [state](T value) -> T {
            state->cancelCall();
            return value;
          },
          std::move(onFailure));
    }
  }

  /// Fan-out: a new Deferred that gets a copy of this chain's result at this point, while this
  /// chain goes on with the result unchanged. Each branch handles its own failures.
  /// @throws StaleDeferredError as addCallback.
  [[nodiscard]] Deferred branch(SourceLocation origin = SourceLocation::current()) requires(
      std::is_void_v<T> || std::is_copy_constructible_v<T>) {
    Deferred out(origin);
    addBoth([out](Outcome<T> result) mutable -> Outcome<T> {
      if (!out.called()) {
        if (result.failed()) {
          out.errback(result.failure());
        } else if constexpr (std::is_void_v<T>) {
          out.callback();
        } else {
          out.callback(result.value());
        }
      }
      return result;
    });
    return out;
  }

  // --- control -----------------------------------------------------------------------------

  /// Stops the chain from running until `unpause()` (counted, like Twisted's).
  void pause() { checkedCore().pause(); }

  /// Undoes one `pause()`; runs the chain if it has a result and is no longer paused.
  /// @throws Error when not paused by `pause()`: the pause of a chain waiting on a Deferred a
  ///   callback returned ends only when that Deferred delivers (or the wait is cancelled).
  void unpause() { checkedCore().unpause(); }

  /// Twisted's cancel(): if the chain has no result, calls the canceller (and errbacks with
  /// CancelledError if that did not fire it); if it waits on another Deferred, cancels that one;
  /// if it has its result, does nothing. The Deferred of a coroutine suspended on a `co_await`
  /// cancels the awaited Deferred instead; the coroutine gets that one's result at the
  /// `co_await` (usually CancelledError, thrown) and this Deferred fires with whatever the
  /// coroutine then does. Never throws what a canceller throws: that becomes the chain's failure.
  void cancel() { checkedCore().cancel(); }

  /// True once callback or errback was called (Twisted's `called`).
  [[nodiscard]] bool called() const noexcept { return core_ != nullptr && core_->called(); }

  /// True while paused, including while waiting on a Deferred a callback returned.
  [[nodiscard]] bool paused() const noexcept { return core_ != nullptr && core_->paused(); }

  // --- coroutines --------------------------------------------------------------------------

  /// `co_await d` suspends until the chain reaches this point, then yields its value or throws
  /// its failure; the chain goes on with no value. Awaiting a temporary or `std::move(d)` lets
  /// the coroutine frame hold no reference to the awaited chain.
  [[nodiscard]] detail::DeferredAwaiter<T> operator co_await() const& noexcept {
    if (core_ != nullptr) {
      core_->ref();
    }
    return detail::DeferredAwaiter<T>(core_);
  }

  [[nodiscard]] detail::DeferredAwaiter<T> operator co_await() && noexcept {
    return detail::DeferredAwaiter<T>(std::exchange(core_, nullptr));
  }

 private:
  friend class detail::DeferredAccess;

  template <class U>
  friend class Deferred;

  explicit Deferred(detail::DeferredCore* adopted) noexcept : core_(adopted) {}

  [[nodiscard]] detail::DeferredCore& checkedCore() const {
    if (core_ == nullptr) {
      throw Error("use of an empty (moved-from) Deferred handle");
    }
    return *core_;
  }

  template <class Out, class Step>
  decltype(auto) addStep(Step step) {
    detail::DeferredCore& core = checkedCore();
    core.checkCurrentType(typeid(T), "addCallback");
    // One reference for the duration (a callback may drop this handle), adopted by the returned
    // handle when the type changes.
    core.ref();
    core.setCurrentType(typeid(Out));
    if (core.ready()) {
      // The chain has its result and nothing is queued: run the step now, without storing it.
      core.beginStep();
      step.run(core);
      core.endStep();
      if (core.hasPendingWork()) {
        core.runCallbacks();
      }
    } else {
      enqueue(core, std::move(step));
    }
    if constexpr (std::is_same_v<Out, T>) {
      detail::DeferredCore::release(&core);
      return *this;
    } else {
      return Deferred<Out>(&core);
    }
  }

  /// Stores a step in an unfired or busy chain. Out of line, so that addStep's fast path (the
  /// chain has its result: run the step at once) stays small enough to inline.
  template <class Step>
  [[gnu::noinline]] static void enqueue(detail::DeferredCore& core, Step step) {
    core.appendNode(core.makeNode<detail::StepNode<Step>>(std::move(step)));
  }

  detail::DeferredCore* core_;
};

namespace detail {

/// What a coroutine returning Deferred<T> shares whatever T is.
class DeferredPromiseBase {
 public:
  DeferredPromiseBase() noexcept = default;
  DeferredPromiseBase(const DeferredPromiseBase&) = delete;
  DeferredPromiseBase& operator=(const DeferredPromiseBase&) = delete;
  DeferredPromiseBase(DeferredPromiseBase&&) = delete;
  DeferredPromiseBase& operator=(DeferredPromiseBase&&) = delete;

  ~DeferredPromiseBase() {
    if (core_ != nullptr) {
      // The frame dies before finishing (what it awaited died unfired, which happens only once
      // nothing but this frame held the chain): unlink, so cancel() no longer walks into it.
      core_->endAwait();
      DeferredCore::release(core_);
    }
  }

  /// Coroutines start at once, as Twisted's ensureDeferred/inlineCallbacks do.
  std::suspend_never initial_suspend() noexcept { return {}; }

  void unhandled_exception() noexcept { failure_ = std::current_exception(); }

  /// The coroutine is about to suspend on `awaited`: from now on cancelling its Deferred cancels
  /// `awaited` (DeferredCore::cancel walks the link), whose result then reaches the co_await.
  void linkAwaited(DeferredCore* awaited) noexcept { core_->linkAwaited(awaited); }

  /// Suspended: offers the awaiter's reference to the awaited chain; see
  /// DeferredCore::holdAwaited. False when the caller must release it.
  [[nodiscard]] bool holdAwaited() noexcept { return core_->holdAwaited(); }

  /// The co_await is over (its resume node ran): unlink, and drop the reference if kept.
  void awaitEnded() noexcept { core_->endAwait(); }

 protected:
  /// Creates the chain the coroutine's caller gets. It has no canceller: while the coroutine is
  /// suspended on a Deferred, cancel() goes to that Deferred instead (Twisted's inlineCallbacks);
  /// cancelled at any other time (the coroutine is running, or awaits something else), it
  /// errbacks with CancelledError at once and what the coroutine produces later is dropped.
  DeferredCore* makeCore(const std::type_info& type, SourceLocation origin) {
    core_ = DeferredCore::create(type, origin);
    core_->ref();  // one for the caller's handle, one kept here until the coroutine ends
    return core_;
  }

  DeferredCore* core_ = nullptr;
  std::exception_ptr failure_;
};

/// Ends a coroutine: frees the frame first, then fires its Deferred (so the callbacks that run
/// never see a half-destroyed frame).
template <class T>
struct FinalAwaiter {
  [[nodiscard]] bool await_ready() const noexcept { return false; }

  template <class P>
  void await_suspend(std::coroutine_handle<P> handle) noexcept {
    P& promise = handle.promise();
    DeferredCore* core = std::exchange(promise.core_, nullptr);
    std::exception_ptr failure = std::move(promise.failure_);
    if constexpr (std::is_void_v<T>) {
      handle.destroy();
      if (!core->called()) {
        if (failure) {
          core->fireFailure(std::move(failure));
        } else {
          core->setVoidValue();
          core->finishFire();
        }
      }
    } else {
      std::optional<T> value = std::move(promise.value_);
      handle.destroy();
      // A Deferred cancelled while the coroutine was running (not suspended on a Deferred)
      // already has its result; what the coroutine produces then is dropped.
      if (!core->called()) {
        if (failure || !value) {
          core->fireFailure(failure ? std::move(failure)
                                    : std::make_exception_ptr(Error("coroutine ended without "
                                                                    "co_return")));
        } else {
          try {
            core->emplaceValueWith<T>([&]() -> T&& { return std::move(*value); });
            core->finishFire();
          } catch (...) {
            core->fireFailure(std::current_exception());
          }
        }
      }
    }
    DeferredCore::release(core);
  }

  void await_resume() const noexcept {}
};

/// The promise of a coroutine returning Deferred<T>.
template <class T>
class DeferredPromise : public DeferredPromiseBase {
 public:
  Deferred<T> get_return_object(SourceLocation origin = SourceLocation::current()) {
    return DeferredAccess::adopt<T>(makeCore(typeid(T), origin));
  }

  FinalAwaiter<T> final_suspend() noexcept { return {}; }

  template <class U = T>
  requires std::is_constructible_v<T, U&&>

  void return_value(U&& value) { value_.emplace(std::forward<U>(value)); }

 private:
  friend struct FinalAwaiter<T>;
  std::optional<T> value_;
};

template <>
class DeferredPromise<void> : public DeferredPromiseBase {
 public:
  Deferred<void> get_return_object(SourceLocation origin = SourceLocation::current()) {
    return DeferredAccess::adopt<void>(makeCore(typeid(void), origin));
  }

  FinalAwaiter<void> final_suspend() noexcept { return {}; }

  void return_void() noexcept {}

 private:
  friend struct FinalAwaiter<void>;
};

/// The node a suspended coroutine leaves in the chain it awaits. It owns the suspended frame: if
/// the chain is destroyed without reaching it, the frame is destroyed too (nothing could ever
/// resume it), as Python collects a generator whose Deferred was dropped. The coroutine's own
/// Deferred holds the awaited chain while anyone else holds that Deferred, so this happens only
/// once nobody can cancel the coroutine any more.
template <class T>
struct ResumeNode : CallbackNode {
  // Two words, so that it fits a core's inline node slot; the promise is reached through the
  // awaiter, which lives in the frame this node owns.
  ResumeNode(DeferredAwaiter<T>* a, std::coroutine_handle<> h) noexcept
      : CallbackNode(&kOps), awaiter(a), handle(h) {}

  static void runNode(CallbackNode* self, DeferredCore& core) noexcept {
    auto* node = static_cast<ResumeNode*>(self);
    DeferredAwaiter<T>* awaiter = node->awaiter;
    std::coroutine_handle<> handle = std::exchange(node->handle, nullptr);
    if (awaiter->promise_ != nullptr) {
      awaiter->promise_->awaitEnded();  // `core` stays alive: its run loop holds it
    }
    awaiter->take(core);
    if (awaiter->suspending_) {
      awaiter->completed_ = true;  // still inside await_suspend: it will not suspend at all
    } else {
      handle.resume();
    }
  }

  static void destroyNode(CallbackNode* self, bool onHeap) noexcept {
    auto* node = static_cast<ResumeNode*>(self);
    std::coroutine_handle<> handle = node->handle;
    if (onHeap) {
      delete node;  // NOLINT(cppcoreguidelines-owning-memory): made by DeferredCore::makeNode
    } else {
      node->~ResumeNode();
    }
    if (handle) {
      handle.destroy();  // the promise's destructor unlinks its Deferred from the dying chain
    }
  }

  static constexpr NodeOps kOps{&runNode, &destroyNode};

  DeferredAwaiter<T>* awaiter;
  std::coroutine_handle<> handle;
};

/// The awaiter behind `co_await deferred`.
template <class T>
class DeferredAwaiter {
 public:
  explicit DeferredAwaiter(DeferredCore* adopted) noexcept : core_(adopted) {}

  DeferredAwaiter(const DeferredAwaiter&) = delete;
  DeferredAwaiter& operator=(const DeferredAwaiter&) = delete;
  DeferredAwaiter(DeferredAwaiter&&) = delete;
  DeferredAwaiter& operator=(DeferredAwaiter&&) = delete;

  ~DeferredAwaiter() {
    if (core_ != nullptr) {
      DeferredCore::release(core_);
    }
  }

  [[nodiscard]] bool await_ready() {
    if (core_ == nullptr) {
      failure_ = std::make_exception_ptr(Error("co_await on an empty (moved-from) Deferred"));
      return true;
    }
    if (core_->currentType() != typeid(T)) {
      try {
        DeferredCore::throwStale(typeid(T), core_->currentType(), "co_await");
      } catch (...) {
        failure_ = std::current_exception();
      }
      return true;
    }
    if (core_->ready()) {
      take(*core_);
      core_->setCurrentType(typeid(void));
      return true;
    }
    return false;
  }

  template <class P>
  bool await_suspend(std::coroutine_handle<P> handle) {
    DeferredPromiseBase* promise = nullptr;
    if constexpr (std::is_base_of_v<DeferredPromiseBase, P>) {
      promise = &handle.promise();
    }
    core_->setCurrentType(typeid(void));
    promise_ = promise;
    core_->appendNode(core_->makeNode<ResumeNode<T>>(this, handle));
    if (promise != nullptr) {
      promise->linkAwaited(core_);
    }
    // A fired chain with steps still queued ahead of us runs now; if it reaches us, do not
    // suspend at all.
    suspending_ = true;
    core_->runIfReady();
    suspending_ = false;
    if (completed_) {
      return false;
    }
    // Suspended: the node now owns the frame. The awaiter's reference to the awaited chain goes
    // to the coroutine's Deferred, which keeps it while anyone else holds that Deferred, so that
    // cancelling it reaches the awaited chain's canceller even when nothing else holds that
    // chain. Otherwise the frame keeps no reference to it (so a dropped, never-fired chain frees
    // the frame instead of leaking a cycle): if this was the last reference, the release
    // destroys the frame, this awaiter included.
    DeferredCore* core = std::exchange(core_, nullptr);
    if (promise == nullptr || !promise->holdAwaited()) {
      DeferredCore::release(core);
    }
    return true;
  }

  T await_resume() {
    if (failure_) {
      std::rethrow_exception(failure_);
    }
    if constexpr (!std::is_void_v<T>) {
      return std::move(*value_);
    }
  }

 private:
  friend struct ResumeNode<T>;

  void take(DeferredCore& core) noexcept {
    if (core.hasFailure()) {
      failure_ = core.takeFailure();
    } else if constexpr (!std::is_void_v<T>) {
      try {
        value_.emplace(core.takeValue<T>());
      } catch (...) {
        failure_ = std::current_exception();
      }
    }
    core.consumeResult();
  }

  DeferredCore* core_;
  DeferredPromiseBase* promise_ = nullptr;  // the suspended coroutine's, if it returns a Deferred
  std::optional<std::conditional_t<std::is_void_v<T>, Unit, T>> value_;
  std::exception_ptr failure_;
  bool suspending_ = false;
  bool completed_ = false;
};

}  // namespace detail

/// A Deferred that already has `value` (Twisted's `succeed`).
template <class V>
[[nodiscard]] Deferred<std::decay_t<V>> succeed(V&& value,
                                                SourceLocation origin = SourceLocation::current()) {
  using T = std::decay_t<V>;
  Deferred<T> d(origin);
  d.callback(std::forward<V>(value));
  return d;
}

/// A Deferred<void> that has already succeeded.
[[nodiscard]] inline Deferred<void> succeed(SourceLocation origin = SourceLocation::current()) {
  Deferred<void> d(origin);
  d.callback();
  return d;
}

/// A Deferred<T> that has already failed with `failure` (Twisted's `fail`).
template <class T>
[[nodiscard]] Deferred<T> fail(Failure failure, SourceLocation origin = SourceLocation::current()) {
  Deferred<T> d(origin);
  d.errback(std::move(failure));
  return d;
}

/// A Deferred<T> that has already failed with a copy of the exception object `error`.
template <class T, class E>

requires(!std::is_same_v<std::remove_cvref_t<E>, Failure>)
    [[nodiscard]] Deferred<T> fail(E&& error, SourceLocation origin = SourceLocation::current()) {
  return fail<T>(Failure(std::forward<E>(error)), origin);
}

/// Calls `fn()` now and returns its result as a Deferred (Twisted's `maybeDeferred`): a value
/// becomes a fired Deferred, a thrown exception a failed one, and a returned Deferred<U> is
/// waited for (the returned chain follows it, and cancelling it cancels that Deferred).
template <class F>
[[nodiscard]] auto maybeDeferred(F&& fn, SourceLocation origin = SourceLocation::current()) {
  using Out = detail::StepOutputT<std::invoke_result_t<std::decay_t<F>&>, void>;
  Deferred<Out> result = succeed(origin).addCallback(std::forward<F>(fn));
  return result;
}

}  // namespace torsion
