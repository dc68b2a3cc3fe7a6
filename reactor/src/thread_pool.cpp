#include "thread_pool.hpp"

#include <exception>

namespace torsion::detail {

ThreadPool::ThreadPool(std::size_t maxThreads) : maxThreads_(maxThreads) {}

ThreadPool::~ThreadPool() {
  stop();
}

void ThreadPool::callInThread(UniqueFunction<void()> fn) {
  std::lock_guard lock(mutex_);
  queue_.push_back(std::move(fn));
  if (idle_ == 0 && threads_.size() < maxThreads_) {
    threads_.emplace_back([this] { work(); });
  } else {
    wake_.notify_one();
  }
}

void ThreadPool::setMaxThreads(std::size_t maxThreads) {
  std::lock_guard lock(mutex_);
  maxThreads_ = maxThreads;
}

void ThreadPool::work() {
  std::unique_lock lock(mutex_);
  for (;;) {
    ++idle_;
    wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    --idle_;
    if (queue_.empty()) {
      return;  // stopping, and nothing is left to do
    }
    UniqueFunction<void()> fn = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    try {
      fn();
    } catch (...) {
      log_.failure("callInThread", std::current_exception());
    }
    fn = nullptr;  // destroy captures outside the lock, like the call itself
    lock.lock();
  }
}

void ThreadPool::stop() {
  std::vector<std::thread> threads;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    threads.swap(threads_);
  }
  wake_.notify_all();
  for (std::thread& t : threads) {
    t.join();
  }
  std::lock_guard lock(mutex_);
  stopping_ = false;
}

std::size_t ThreadPool::threadCount() {
  std::lock_guard lock(mutex_);
  return threads_.size();
}

}  // namespace torsion::detail
