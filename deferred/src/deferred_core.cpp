#include <cstdlib>
#include <exception>
#include <memory>
#include <new>
#include <string>
#include <typeinfo>
#include <utility>

#include <cxxabi.h>

#include <fmt/format.h>

#include <torsion/deferred/deferred_core.hpp>
#include <torsion/deferred/deferred_error.hpp>
#include <torsion/deferred/logger.hpp>

namespace torsion::detail {

namespace {

// Cores whose last reference went while another core was being destroyed. Destroying a core
// destroys its callbacks, whose captures may hold the last reference to further cores; queueing
// them here instead of recursing keeps the stack flat however long that chain is.
// The initial-exec model makes these one %fs-relative load instead of a __tls_get_addr call
// (the library is built with -fPIC); they are two words, well within glibc's static TLS reserve.
// They are per-thread by nature (a chain belongs to one thread) and private to this file.
// NOLINTNEXTLINE(cppcoreguidelines-avoid-non-const-global-variables): per-thread trampoline
[[gnu::tls_model("initial-exec")]] thread_local DeferredCore* destroyQueue = nullptr;
// NOLINTNEXTLINE(cppcoreguidelines-avoid-non-const-global-variables): per-thread trampoline
[[gnu::tls_model("initial-exec")]] thread_local bool destroying = false;

std::string typeName(const std::type_info& type) {
  if (type == typeid(void)) {
    return "void";
  }
  int status = 0;
  std::unique_ptr<char, decltype(&std::free)> out(
      abi::__cxa_demangle(type.name(), nullptr, nullptr, &status), &std::free);
  return (status == 0 && out) ? std::string(out.get()) : std::string(type.name());
}

}  // namespace

DeferredCore* DeferredCore::create(const std::type_info& type, SourceLocation origin) {
  return new DeferredCore(type, origin);  // NOLINT(cppcoreguidelines-owning-memory): refcounted
}

DeferredCore::~DeferredCore() {
  if (kind_ == Kind::kFailure && failure_) {
    logUnhandledFailure();
  }
  while (head_ != nullptr) {
    CallbackNode* node = head_;
    head_ = node->next;
    destroyNode(node);
  }
  tail_ = nullptr;
  if (pendingInner_ != nullptr) {
    release(pendingInner_);
  }
  destroyValue();
}

void DeferredCore::destroy(DeferredCore* core) noexcept {
  core->stackNext_ = destroyQueue;
  destroyQueue = core;
  if (destroying) {
    return;
  }
  destroying = true;
  while (destroyQueue != nullptr) {
    DeferredCore* next = destroyQueue;
    destroyQueue = next->stackNext_;
    delete next;  // NOLINT(cppcoreguidelines-owning-memory): the last reference went
  }
  destroying = false;
}

void DeferredCore::throwStale(const std::type_info& handleType, const std::type_info& chainType,
                              const char* operation) {
  throw StaleDeferredError(fmt::format(
      "Deferred::{}: this handle's result type ({}) is not the chain's ({}); a callback changed "
      "the type, so use the handle addCallback returned",
      operation, typeName(handleType), typeName(chainType)));
}

void DeferredCore::moveResultTo(DeferredCore& other) noexcept {
  other.kind_ = kind_;
  if (kind_ == Kind::kFailure) {
    other.failure_ = std::move(failure_);
    failure_ = nullptr;
  } else if (valueOps_ != nullptr) {
    valueOps_->relocate(slot_, other.slot_);
    other.valueOps_ = valueOps_;
    valueOps_ = nullptr;
  }
  // This chain goes on with no value, as Twisted's goes on with None (its type was set to void
  // when the waiter attached).
  kind_ = Kind::kValue;
}

bool DeferredCore::adoptPendingInner() noexcept {
  DeferredCore* inner = std::exchange(pendingInner_, nullptr);
  if (inner->ready()) {
    // The returned Deferred already has its result: take it and keep going.
    inner->moveResultTo(*this);
    release(inner);
    return true;
  }
  // Wait for it: pause, and leave a continuation in its chain that hands its result back.
  ContinuationNode* node = nullptr;
  try {
    node = inner->makeNode<ContinuationNode>(this);
  } catch (const std::bad_alloc&) {
    // No memory for the link (it did not fit an inline slot): this chain cannot wait, so it goes
    // on with the allocation failure instead; the inner chain goes on alone.
    setFailure(std::current_exception());
    release(inner);
    return true;
  }
  ++paused_;
  ref();  // the continuation's reference
  inner->appendNode(node);
  chainedTo_ = inner;
  innerLost_ = false;
  // Keep the reference pendingInner_ had, so that cancel() reaches `inner` even if nothing else
  // holds it. The run stack holds this chain now; release() lets go of `inner` once the
  // continuation is all that holds this chain.
  holdsInner_ = true;
  return false;
}

void DeferredCore::dropInnerHolds(DeferredCore* core) noexcept {
  while (core != nullptr) {
    DeferredCore* inner = core->chainedTo_;  // kept, unowned, for a coroutine's cancel()
    core->holdsInner_ = false;
    core = nullptr;
    if (--inner->refs_ == 0) {
      destroy(inner);  // frees its continuation, and with it the waiter held only by that
    } else if (inner->refs_ == 1 && inner->holdsInner_) {
      core = inner;  // the inner chain itself waits, and we were its last holder
    }
  }
}

void ContinuationNode::destroyNode(CallbackNode* self, bool onHeap) noexcept {
  auto* cont = static_cast<ContinuationNode*>(self);
  DeferredCore* waiter = cont->waiter;
  if (onHeap) {
    delete cont;  // NOLINT(cppcoreguidelines-owning-memory): made by makeNode
  } else {
    cont->~ContinuationNode();
  }
  if (waiter != nullptr) {
    // The chain we were waiting on dies without a result: the waiter can never resume.
    waiter->innerLost();
    DeferredCore::release(waiter);
  }
}

void DeferredCore::runCallbacks() noexcept {
  if (running_) {
    return;
  }
  // The stack of chains being run: this one at the bottom, then each waiter whose continuation
  // was reached, linked through stackNext_. Each entry holds one reference.
  ref();
  DeferredCore* current = this;
  while (current != nullptr) {
    DeferredCore* waiter = current->paused_ == 0 ? runQueue(*current) : nullptr;
    if (waiter != nullptr) {
      // Run the waiter next, iteratively; come back to the rest of this chain afterwards.
      waiter->stackNext_ = current;
      current = waiter;
      continue;
    }
    DeferredCore* next = current == this ? nullptr : current->stackNext_;
    current->stackNext_ = nullptr;
    release(current);
    current = next;
  }
}

DeferredCore* DeferredCore::runQueue(DeferredCore& core) noexcept {
  if (core.chainedTo_ != nullptr) {
    core.stopWaiting();  // defensive: unpause() cannot undo a wait's pause, so never linked here
  }
  core.innerLost_ = false;
  while (core.kind_ != Kind::kNone || core.pendingInner_ != nullptr) {
    if (core.pendingInner_ != nullptr) {
      if (core.adoptPendingInner()) {
        continue;
      }
      return nullptr;  // now waiting on the returned Deferred
    }
    CallbackNode* node = core.head_;
    if (node == nullptr) {
      return nullptr;
    }
    core.head_ = node->next;
    if (core.head_ == nullptr) {
      core.tail_ = nullptr;
    }
    if (node->ops->run == nullptr) {
      return core.resumeWaiter(node);
    }
    core.runStep(node);
  }
  return nullptr;
}

void DeferredCore::runStep(CallbackNode* node) noexcept {
  running_ = true;
  node->ops->run(node, *this);
  running_ = false;
  destroyNode(node);
}

DeferredCore* DeferredCore::resumeWaiter(CallbackNode* node) noexcept {
  auto* cont = static_cast<ContinuationNode*>(node);
  DeferredCore* waiter = std::exchange(cont->waiter, nullptr);
  destroyNode(cont);
  moveResultTo(*waiter);
  --waiter->paused_;
  waiter->stopWaiting();  // drops its hold on this chain, which the run stack keeps alive
  return waiter;          // the continuation's reference now belongs to the run stack
}

bool DeferredCore::prepareFire() {
  if (called_) {
    if (suppressAlreadyCalled_) {
      suppressAlreadyCalled_ = false;
      return false;
    }
    throw AlreadyCalledError();
  }
  return true;
}

void DeferredCore::finishFire() noexcept {
  called_ = true;
  // The canceller is no longer needed; dropping it now breaks reference cycles through its
  // captures (a DeferredList's canceller holds the list's inputs).
  canceller_ = nullptr;
  if (chainedTo_ != nullptr) {
    // Only a coroutine's Deferred is linked before it fires: someone fired it by hand while the
    // coroutine awaits. Its result is decided, so it no longer waits on (or holds) the awaited
    // chain; the coroutine still resumes if that fires, and what it returns is dropped.
    stopWaiting();
  }
  if (paused_ == 0 && head_ != nullptr) {
    runCallbacks();
  }
}

void DeferredCore::fireFailure(std::exception_ptr error) {
  if (!prepareFire()) {
    return;
  }
  setFailure(std::move(error));
  finishFire();
}

void DeferredCore::unpause() {
  // The wait on a returned Deferred pauses the chain too; undoing that pause would run the chain
  // on while it still waits, and the inner Deferred's result would later unpause it once more.
  if (paused_ == (waitPaused() ? 1U : 0U)) {
    throw Error("Deferred::unpause() without a matching pause()");
  }
  --paused_;
  if (paused_ == 0 && called_) {
    runCallbacks();
  }
}

void DeferredCore::cancel() {
  // Waiting on another chain (a fired chain on a returned Deferred, a coroutine's unfired one on
  // what the coroutine awaits): cancel the innermost one instead (a loop, however deep the
  // tower). Every chain on the way is alive: each holds the next, or the next is unheld but
  // still linked.
  DeferredCore* target = this;
  while (target->chainedTo_ != nullptr) {
    target = target->chainedTo_;
  }
  target->cancelHere();
}

void DeferredCore::cancelHere() {
  ref();

  struct Release {
    explicit Release(DeferredCore* c) noexcept : core(c) {}

    Release(const Release&) = delete;
    Release& operator=(const Release&) = delete;
    Release(Release&&) = delete;
    Release& operator=(Release&&) = delete;

    ~Release() { DeferredCore::release(core); }

    DeferredCore* core;
  } guard(this);

  if (!called_) {
    if (canceller_) {
      // Move it out first: the canceller may fire this Deferred, which drops canceller_.
      Canceller canceller = std::move(canceller_);
      try {
        canceller(*this);
      } catch (...) {
        // A canceller's failure is reported through the Deferred, not thrown at the caller of
        // cancel() (STYLE.md rule 22).
        if (!called_) {
          fireFailure(std::current_exception());
        }
        return;
      }
    } else {
      // Eat the result the operation will eventually deliver: there was no real canceller.
      suppressAlreadyCalled_ = true;
    }
    if (!called_) {
      fireFailure(std::make_exception_ptr(CancelledError()));
    }
  } else if (innerLost_ && paused_ > 0) {
    // What we waited on is gone and can never fire; resume with the cancellation ourselves.
    innerLost_ = false;
    --paused_;
    setFailure(std::make_exception_ptr(CancelledError()));
    if (paused_ == 0) {
      runCallbacks();
    }
  }
}

void DeferredCore::logUnhandledFailure() const noexcept {
  try {
    ExceptionDescription description = describeException(failure_);
    std::string where = fmt::format("{}:{}", origin_.file_name(), origin_.line());
    std::string message =
        fmt::format("Unhandled error in Deferred created at {} ({}): {}: {}", where,
                    origin_.function_name(), description.typeName, description.what);
    Logger log("torsion.deferred");
    log.emit(LogLevel::kError, std::move(message),
             {{"unhandled", "true"},
              {"exception", std::move(description.typeName)},
              {"origin", std::move(where)}});
  } catch (...) {  // NOLINT(bugprone-empty-catch): a destructor must not throw
  }
}

}  // namespace torsion::detail
