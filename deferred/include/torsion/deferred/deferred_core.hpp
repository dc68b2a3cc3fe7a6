#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>
#include <new>
#include <type_traits>
#include <typeinfo>
#include <utility>

#include <torsion/deferred/source_location.hpp>
#include <torsion/deferred/unique_function.hpp>

// The untyped machinery under Deferred<T>: one reference-counted state per chain holding the
// current result in a type-erased slot, a FIFO of callback nodes, and the links that let one chain
// wait on another. Deferred<T> is a typed view of it. Nothing here is public API.

namespace torsion::detail {

class DeferredCore;

struct CallbackNode;

/// What a queued node does, shared by every node of one type.
struct NodeOps {
  /// Consumes the core's result and leaves the next one; null marks a continuation (a waiting
  /// chain's link, handled by the run loop itself).
  void (*run)(CallbackNode* self, DeferredCore& core) noexcept;
  /// Runs the node's destructor (for a node that never ran, its "dropped" duty) and, when
  /// `onHeap`, frees it; a node in one of the core's inline slots is freed by the core.
  void (*destroy)(CallbackNode* self, bool onHeap) noexcept;
};

/// One queued step of a chain: an intrusive FIFO link and the ops of its concrete type. Two
/// words, so that a capture-less or two-pointer step fits a 32-byte inline slot of its core.
struct CallbackNode {
  explicit constexpr CallbackNode(const NodeOps* nodeOps) noexcept : ops(nodeOps) {}

  CallbackNode* next = nullptr;
  const NodeOps* ops;
};

/// Inline node storage in every core: up to this many queued nodes of at most kNodeSlotSize
/// bytes cost no allocation (a capture-less callback's node is 24 bytes; a continuation or a
/// suspended co_await, 24 and 32). Ten covers the usual chain built before a Deferred fires.
inline constexpr std::size_t kNodeSlots = 10;
inline constexpr std::size_t kNodeSlotSize = 32;

/// True when inline storage aligned for any scalar is aligned enough for a U. (A function kept
/// apart from the size tests it is combined with: clang-tidy 14's misc-redundant-expression takes
/// `sizeof(U) <= a && alignof(U) <= b` for a repeated operand.)
template <class U>
[[nodiscard]] constexpr bool scalarAligned() noexcept {
  return alignof(U) <= alignof(std::max_align_t);
}

template <class Node>
inline constexpr bool kNodeFitsSlot = scalarAligned<Node>() && sizeof(Node) <= kNodeSlotSize;

/// How a type-erased value slot moves and destroys the value it holds.
struct ValueOps {
  void (*relocate)(void* from, void* to) noexcept;
  void (*destroy)(void* slot) noexcept;
};

inline constexpr std::size_t kInlineValueSize = 6 * sizeof(void*);

template <class U>
inline constexpr bool kValueFitsInline =
    scalarAligned<U>() && std::is_nothrow_move_constructible_v<U> && sizeof(U) <= kInlineValueSize;

template <class U>
struct ValueOpsFor {
  static void relocate(void* from, void* to) noexcept {
    if constexpr (kValueFitsInline<U>) {
      U* source = std::launder(static_cast<U*>(from));
      ::new (to) U(std::move(*source));
      source->~U();
    } else {
      *static_cast<U**>(to) = *static_cast<U**>(from);
    }
  }

  static void destroy(void* slot) noexcept {
    if constexpr (kValueFitsInline<U>) {
      std::launder(static_cast<U*>(slot))->~U();
    } else {
      delete *static_cast<U**>(slot);  // NOLINT(cppcoreguidelines-owning-memory)
    }
  }

  static constexpr ValueOps kOps{&relocate, &destroy};
};

/// The shared state of one Deferred chain. Single-threaded; the reference count is not atomic.
class DeferredCore {
 public:
  using Canceller = UniqueFunction<void(DeferredCore&)>;

  /// A new unfired chain whose first result has type `type`, with one reference.
  [[nodiscard]] static DeferredCore* create(const std::type_info& type, SourceLocation origin);

  DeferredCore(const DeferredCore&) = delete;
  DeferredCore& operator=(const DeferredCore&) = delete;
  DeferredCore(DeferredCore&&) = delete;
  DeferredCore& operator=(DeferredCore&&) = delete;

  void ref() noexcept { ++refs_; }

  /// Drops one reference; the last one destroys the chain (iteratively, never recursing through
  /// other chains it kept alive) and logs a Failure nobody handled. When only the continuation it
  /// left in the chain it waits on still holds it, nobody can cancel it any more, so it lets go of
  /// that inner chain (see holdsInner_).
  static void release(DeferredCore* core) noexcept {
    if (--core->refs_ == 0) {
      destroy(core);
    } else if (core->refs_ == 1 && core->holdsInner_) {
      dropInnerHolds(core);
    }
  }

  // --- types -------------------------------------------------------------------------------

  [[nodiscard]] const std::type_info& initialType() const noexcept { return *initialType_; }

  [[nodiscard]] const std::type_info& currentType() const noexcept { return *currentType_; }

  void setCurrentType(const std::type_info& type) noexcept { currentType_ = &type; }

  /// @throws StaleDeferredError when `handleType` is not the chain's current type.
  void checkCurrentType(const std::type_info& handleType, const char* operation) const {
    if (*currentType_ != handleType) {
      throwStale(handleType, *currentType_, operation);
    }
  }

  /// @throws StaleDeferredError when `handleType` is not the chain's first type.
  void checkInitialType(const std::type_info& handleType, const char* operation) const {
    if (*initialType_ != handleType) {
      throwStale(handleType, *initialType_, operation);
    }
  }

  [[noreturn]] static void throwStale(const std::type_info& handleType,
                                      const std::type_info& chainType, const char* operation);

  // --- state -------------------------------------------------------------------------------

  [[nodiscard]] bool called() const noexcept { return called_; }

  [[nodiscard]] bool paused() const noexcept { return paused_ != 0; }

  /// True when a result is present and nothing runs, waits or is queued, so that a new step may
  /// run at once (the fast path of addCallback on a fired Deferred).
  [[nodiscard]] bool ready() const noexcept {
    return kind_ != Kind::kNone && paused_ == 0 && !running_ && head_ == nullptr;
  }

  [[nodiscard]] bool hasFailure() const noexcept { return kind_ == Kind::kFailure; }

  [[nodiscard]] const SourceLocation& origin() const noexcept { return origin_; }

  // --- the result slot ---------------------------------------------------------------------

  template <class U>
  [[nodiscard]] U* valuePtr() noexcept {
    if constexpr (kValueFitsInline<U>) {
      return std::launder(reinterpret_cast<U*>(slot_));  // NOLINT: placement storage
    } else {
      return *reinterpret_cast<U**>(slot_);  // NOLINT: placement storage
    }
  }

  /// Moves the value of type U out and leaves no result.
  template <class U>
  [[nodiscard]] U takeValue() {
    U* p = valuePtr<U>();
    U out(std::move(*p));
    valueOps_ = nullptr;
    kind_ = Kind::kNone;
    ValueOpsFor<U>::destroy(slot_);
    return out;
  }

  /// Drops the value (of a void chain, or a consumed one) and leaves no result.
  void clearValue() noexcept {
    destroyValue();
    kind_ = Kind::kNone;
  }

  /// Makes `make()` the result, constructed in place (a prvalue is never moved).
  template <class U, class Make>
  void emplaceValueWith(Make&& make) {
    if constexpr (kValueFitsInline<U>) {
      ::new (static_cast<void*>(slot_)) U(std::forward<Make>(make)());
    } else {
      *reinterpret_cast<U**>(slot_) = new U(std::forward<Make>(make)());  // NOLINT
    }
    valueOps_ = &ValueOpsFor<U>::kOps;
    kind_ = Kind::kValue;
  }

  /// Makes "no value" (a void result, or a consumed one) the result.
  void setVoidValue() noexcept {
    destroyValue();
    kind_ = Kind::kValue;
  }

  void setFailure(std::exception_ptr error) noexcept {
    destroyValue();
    failure_ = std::move(error);
    kind_ = Kind::kFailure;
  }

  [[nodiscard]] std::exception_ptr takeFailure() noexcept {
    kind_ = Kind::kNone;
    return std::move(failure_);
  }

  /// Marks the result as taken by someone else (a coroutine's co_await): the chain goes on with
  /// no value, as Twisted's goes on with None. The caller sets the type of what follows.
  void consumeResult() noexcept {
    destroyValue();
    failure_ = nullptr;
    kind_ = Kind::kValue;
  }

  /// A step returned `inner` (whose reference is adopted); the run loop steals its result or
  /// waits for it. From now on `inner`'s own chain carries no value.
  void setPendingInner(DeferredCore* inner) noexcept {
    inner->currentType_ = &typeid(void);
    pendingInner_ = inner;
  }

  // --- running -----------------------------------------------------------------------------

  /// Constructs a node for this chain's queue, in a free inline slot when it fits one, else on
  /// the heap. Free it only through destroyNode.
  /// @throws whatever Node's constructor throws; std::bad_alloc.
  template <class Node, class... Args>
  [[nodiscard]] Node* makeNode(Args&&... args) {
    if constexpr (kNodeFitsSlot<Node>) {
      if (slotsUsed_ != kAllSlotsUsed) {
        const auto index = static_cast<std::size_t>(std::countr_one(slotsUsed_));
        Node* node =
            std::construct_at(static_cast<Node*>(static_cast<void*>(nodeSlots_[index].bytes)),
                              std::forward<Args>(args)...);
        slotsUsed_ |= static_cast<SlotMask>(SlotMask{1} << index);
        return node;
      }
    }
    return new Node(std::forward<Args>(args)...);  // NOLINT(cppcoreguidelines-owning-memory)
  }

  /// Destroys a node made by makeNode (running its "dropped" duty if it never ran).
  void destroyNode(CallbackNode* node) noexcept {
    const std::size_t index = slotIndex(node);
    node->ops->destroy(node, index == kNodeSlots);
    if (index != kNodeSlots) {
      slotsUsed_ &= static_cast<SlotMask>(~(SlotMask{1} << index));
    }
  }

  /// Appends a step; the caller runs the chain if it can run now.
  void appendNode(CallbackNode* node) noexcept {
    if (tail_ == nullptr) {
      head_ = node;
    } else {
      tail_->next = node;
    }
    tail_ = node;
  }

  void beginStep() noexcept { running_ = true; }

  void endStep() noexcept { running_ = false; }

  /// True when a step just run outside the loop left work for it (a returned Deferred, or
  /// steps appended while it ran).
  [[nodiscard]] bool hasPendingWork() const noexcept {
    return pendingInner_ != nullptr || (head_ != nullptr && paused_ == 0 && !running_);
  }

  /// Runs queued steps while there is a result and nothing pauses the chain, following
  /// continuations into waiting chains iteratively (Twisted's `_runCallbacks`). Does nothing when
  /// already running higher up the stack.
  void runCallbacks() noexcept;

  /// Runs the chain if it has a result and nothing holds it back.
  void runIfReady() noexcept {
    if (kind_ != Kind::kNone && paused_ == 0 && !running_ && (head_ != nullptr || pendingInner_)) {
      runCallbacks();
    }
  }

  // --- firing, pausing, cancelling -----------------------------------------------------------

  /// Checks a `callback`/`errback` may proceed: false when it should be silently dropped (the
  /// Deferred was cancelled without a canceller, Twisted's `_suppressAlreadyCalled`).
  /// @throws AlreadyCalledError when the Deferred already has a result.
  [[nodiscard]] bool prepareFire();

  /// Marks the chain fired (the result is already in place) and runs it.
  void finishFire() noexcept;

  void fireFailure(std::exception_ptr error);

  void pause() noexcept { ++paused_; }

  /// @throws Error when not paused by pause() (the pause of a wait on a returned Deferred is not
  ///   the caller's to undo).
  void unpause();

  /// Twisted's `cancel()`: calls the canceller of an unfired chain (errbacking with
  /// CancelledError if it did not fire it), or forwards to the chain this one waits on (a
  /// returned Deferred, or what the coroutine whose Deferred this is awaits).
  void cancel();

  void setCanceller(Canceller canceller) noexcept { canceller_ = std::move(canceller); }

  void clearCanceller() noexcept { canceller_ = nullptr; }

  // --- links to continuations --------------------------------------------------------------

  /// Called when the chain this one waits on is destroyed without ever giving its result.
  void innerLost() noexcept {
    chainedTo_ = nullptr;
    holdsInner_ = false;  // (never set here: a chain this one held could not have died)
    innerLost_ = true;
  }

  /// The coroutine whose Deferred this is has left its resume node in `awaited`'s queue: link to
  /// it, unowned for now, so that cancel() walks into it. The awaiter still holds `awaited`.
  void linkAwaited(DeferredCore* awaited) noexcept { chainedTo_ = awaited; }

  /// The coroutine suspended on the chain linked by linkAwaited, and its awaiter hands over its
  /// reference to it: true when this chain keeps it (anything besides the coroutine's frame
  /// holds this chain, so someone may still cancel it and must reach the awaited chain's
  /// canceller), false when the frame alone holds this chain (the caller releases the reference
  /// then, so that an awaited chain nobody can fire frees the frame instead of a cycle leaking).
  /// release() and endAwait() let go of a kept reference, as for a returned Deferred.
  [[nodiscard]] bool holdAwaited() noexcept {
    if (refs_ > 1) {
      holdsInner_ = true;
      return true;
    }
    return false;
  }

  /// The co_await linked by linkAwaited is over (its resume node ran, or the frame died): drops
  /// the link, and the reference if kept. A chain fired by hand meanwhile dropped both already
  /// (finishFire), and any link it has now is to a Deferred one of its callbacks returned.
  void endAwait() noexcept {
    if (!called_) {
      stopWaiting();
    }
  }

  /// Called when the continuation this chain left in the chain it waits on is reached (or the
  /// chain is run while still linked), or when a co_await linked by linkAwaited ends: the wait is
  /// over, so the reference kept for cancel() goes.
  void stopWaiting() noexcept {
    DeferredCore* inner = std::exchange(chainedTo_, nullptr);
    if (holdsInner_) {
      holdsInner_ = false;
      release(inner);
    }
  }

 private:
  enum class Kind : std::uint8_t { kNone, kValue, kFailure };

  DeferredCore(const std::type_info& type, SourceLocation origin) noexcept
      : initialType_(&type), currentType_(&type), origin_(origin) {}

  ~DeferredCore();

  static void destroy(DeferredCore* core) noexcept;

  /// `core` (and then each chain it held in turn) lost its last holder: drops the reference it
  /// kept on the chain it waits on. A loop, so a tower of waiting chains unwinds in flat stack.
  static void dropInnerHolds(DeferredCore* core) noexcept;

  using SlotMask = std::uint16_t;
  static_assert(kNodeSlots <= 16, "the slot mask is 16 bits");
  static constexpr SlotMask kAllSlotsUsed = static_cast<SlotMask>((1U << kNodeSlots) - 1U);

  /// The inline slot `node` lives in, or kNodeSlots for a heap node.
  [[nodiscard]] std::size_t slotIndex(const CallbackNode* node) const noexcept {
    const auto address = reinterpret_cast<std::uintptr_t>(node);      // NOLINT: address math
    const auto first = reinterpret_cast<std::uintptr_t>(nodeSlots_);  // NOLINT: address math
    if (address < first || address >= first + sizeof(nodeSlots_)) {
      return kNodeSlots;
    }
    return (address - first) / kNodeSlotSize;
  }

  /// Runs `current`'s queue until it empties, pauses or reaches a continuation; returns the
  /// waiting chain to go on with in that last case (its reference moves to the run stack).
  [[nodiscard]] static DeferredCore* runQueue(DeferredCore& current) noexcept;

  /// Runs one popped step node of this chain.
  void runStep(CallbackNode* node) noexcept;

  /// Hands this chain's result to the waiter whose continuation was just popped.
  [[nodiscard]] DeferredCore* resumeWaiter(CallbackNode* node) noexcept;

  /// The cancel() of the innermost chain a cancel reached: this one has no result yet, or waits
  /// on a chain that is gone.
  void cancelHere();

  /// True while this fired chain is paused by its own wait on a returned Deferred (the pause
  /// adoptPendingInner adds and resumeWaiter or cancelHere takes away), not by pause().
  [[nodiscard]] bool waitPaused() const noexcept {
    return called_ && (chainedTo_ != nullptr || innerLost_);
  }

  void destroyValue() noexcept {
    if (valueOps_ != nullptr) {
      const ValueOps* ops = valueOps_;
      valueOps_ = nullptr;
      ops->destroy(slot_);
    }
  }

  void moveResultTo(DeferredCore& other) noexcept;

  /// Takes the result of `pendingInner_` (true) or chains this core to it (false).
  bool adoptPendingInner() noexcept;

  void logUnhandledFailure() const noexcept;

  alignas(std::max_align_t) unsigned char slot_[kInlineValueSize];
  std::uint32_t refs_ = 1;
  std::uint32_t paused_ = 0;
  Kind kind_ = Kind::kNone;
  bool called_ = false;
  bool running_ = false;
  bool suppressAlreadyCalled_ = false;
  bool innerLost_ = false;
  // While this chain waits on chainedTo_ and anything besides that chain's continuation holds
  // it (a handle, or a chain waiting on this one that itself holds it), it owns a reference to
  // chainedTo_ so that cancel() can always reach the inner chain's canceller, even when nothing
  // else keeps the inner chain alive. The continuation owns a reference back, so the two form a
  // cycle; release() breaks it as soon as the continuation is this chain's last holder (then
  // nobody can cancel it, and only the inner chain firing can still resume it).
  // A coroutine's Deferred, while the coroutine is suspended on a co_await of a Deferred, waits
  // the same way: chainedTo_ is the awaited chain, whose resume node owns the frame, whose
  // promise holds this chain; the promise's reference plays the continuation's part.
  bool holdsInner_ = false;
  SlotMask slotsUsed_ = 0;
  const ValueOps* valueOps_ = nullptr;
  const std::type_info* initialType_;
  const std::type_info* currentType_;
  std::exception_ptr failure_;
  CallbackNode* head_ = nullptr;
  CallbackNode* tail_ = nullptr;
  DeferredCore* pendingInner_ = nullptr;  // owned reference, only between a step and the loop
  DeferredCore* chainedTo_ = nullptr;     // owned while holdsInner_; cleared if it dies first
                                          // (fired: a returned Deferred; unfired: the co_await)
  DeferredCore* stackNext_ = nullptr;     // run-loop stack / destruction queue link
  Canceller canceller_;
  SourceLocation origin_;

  struct NodeSlot {
    alignas(std::max_align_t) unsigned char bytes[kNodeSlotSize];
  };

  NodeSlot nodeSlots_[kNodeSlots];  // uninitialised until makeNode constructs a node in one
};

/// The link a waiting chain leaves in the chain it waits on (Twisted's `_CONTINUE`). Holds a
/// reference to the waiter, so that a fire-and-forget chain lives as long as what it waits for.
struct ContinuationNode : CallbackNode {
  explicit ContinuationNode(DeferredCore* w) noexcept : CallbackNode(&kOps), waiter(w) {}

  /// Destroyed unreached: the chain it was in dies without a result, so the waiter can never
  /// resume from it.
  static void destroyNode(CallbackNode* self, bool onHeap) noexcept;

  static constexpr NodeOps kOps{nullptr, &destroyNode};

  DeferredCore* waiter;
};

}  // namespace torsion::detail
