#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include <torsion/deferred/logger.hpp>
#include <torsion/deferred/unique_function.hpp>

namespace torsion::detail {

/// The bounded pool behind `callInThread`. Threads start as work arrives, up to `maxThreads`,
/// and wait for more work when idle; `stop` lets queued work finish, then joins every thread.
class ThreadPool {
 public:
  explicit ThreadPool(std::size_t maxThreads);
  ~ThreadPool();

  /// Queues `fn`. Thread: any.
  void callInThread(UniqueFunction<void()> fn);

  /// Changes the thread limit for threads started from now on. Thread: any.
  void setMaxThreads(std::size_t maxThreads);

  /// Finishes queued work and joins the threads. The pool may be used again afterwards.
  void stop();

  /// Threads currently started (for tests).
  [[nodiscard]] std::size_t threadCount();

  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;
  ThreadPool(ThreadPool&&) = delete;
  ThreadPool& operator=(ThreadPool&&) = delete;

 private:
  void work();

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<UniqueFunction<void()>> queue_;
  std::vector<std::thread> threads_;
  std::size_t maxThreads_;
  std::size_t idle_ = 0;
  bool stopping_ = false;
  Logger log_{"torsion.threadpool"};
};

}  // namespace torsion::detail
