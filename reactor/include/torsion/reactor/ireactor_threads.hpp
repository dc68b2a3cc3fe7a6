#pragma once

#include <cstddef>

#include <torsion/deferred/unique_function.hpp>

namespace torsion {

/// Running work on other threads and coming back (Twisted's `IReactorThreads`).
class IReactorThreads {
 public:
  IReactorThreads() = default;
  IReactorThreads(const IReactorThreads&) = delete;
  IReactorThreads& operator=(const IReactorThreads&) = delete;
  IReactorThreads(IReactorThreads&&) = delete;
  IReactorThreads& operator=(IReactorThreads&&) = delete;
  virtual ~IReactorThreads() = default;

  /// Runs `fn` on the reactor thread, soon: the loop wakes at once. Calls from one thread run
  /// in the order they were made (FIFO). Exceptions `fn` throws are logged.
  /// Thread: safe from any thread, including the reactor's own (then it runs on a later turn).
  virtual void callFromThread(UniqueFunction<void()> fn) = 0;

  /// Runs `fn` on the reactor's thread pool. The pool starts threads as work arrives, up to its
  /// size, and joins them when the reactor shuts down; work queued then still runs first.
  /// Exceptions `fn` throws are logged. Use `callFromThread` to hand results back.
  /// Thread: safe from any thread.
  virtual void callInThread(UniqueFunction<void()> fn) = 0;

  /// Changes the most threads the pool may run (Twisted's `suggestThreadPoolSize`).
  /// @throws ValueError if `size` is 0.
  virtual void suggestThreadPoolSize(std::size_t size) = 0;
};

}  // namespace torsion
