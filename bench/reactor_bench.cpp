// The reactor's own overheads against bare system calls, in the same run, interleaved:
// 1. iterate(0) with nothing ready against one bare epoll_wait(0) (target: at most 1.5x);
// 2. callFromThread throughput against eventfd writes read by an epoll loop;
// 3. callFromThread wake-up round trip against a bare eventfd ping-pong between two threads.
// Each figure is the median of N rounds (default 3). Run: ./build/bench/reactor_bench [N]
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <torsion/reactor/reactor_core.hpp>

#include "bench_support.hpp"

using namespace std::chrono_literals;
using torsion::bench::now;

namespace {

constexpr int kIterations = 1'000'000;
constexpr int kCalls = 1'000'000;
constexpr int kRoundTrips = 50'000;

torsion::ReactorOptions epollOptions() {
  torsion::ReactorOptions options;
  options.installSignalHandlers = false;
  options.backend = torsion::ReactorBackend::kEpoll;
  return options;
}

double torsionIterate() {
  torsion::ReactorCore reactor(epollOptions());
  const double t0 = now();
  for (int i = 0; i < kIterations; ++i) {
    reactor.iterate(0s);
  }
  return (now() - t0) / kIterations * 1e9;
}

double bareEpollWait() {
  const int ep = epoll_create1(EPOLL_CLOEXEC);
  const int efd = eventfd(0, EFD_NONBLOCK);  // one idle descriptor, as the reactor's waker
  epoll_event ev{};
  ev.events = EPOLLIN;
  epoll_ctl(ep, EPOLL_CTL_ADD, efd, &ev);
  std::vector<epoll_event> events(256);
  const double t0 = now();
  for (int i = 0; i < kIterations; ++i) {
    epoll_wait(ep, events.data(), static_cast<int>(events.size()), 0);
  }
  const double ns = (now() - t0) / kIterations * 1e9;
  close(efd);
  close(ep);
  return ns;
}

double torsionCallFromThread() {
  torsion::ReactorCore reactor(epollOptions());
  int done = 0;
  double elapsed = 0;
  std::thread producer;
  reactor.callWhenRunning([&] {
    const double t0 = now();
    producer = std::thread([&reactor, &done, &elapsed, t0] {
      for (int i = 0; i < kCalls; ++i) {
        reactor.callFromThread([&reactor, &done, &elapsed, t0] {
          if (++done == kCalls) {
            elapsed = now() - t0;
            reactor.stop();
          }
        });
      }
    });
  });
  reactor.run();
  producer.join();
  return elapsed / kCalls * 1e9;
}

double bareEventfdThroughput() {
  const int ep = epoll_create1(EPOLL_CLOEXEC);
  const int efd = eventfd(0, EFD_NONBLOCK);
  epoll_event ev{};
  ev.events = EPOLLIN;
  epoll_ctl(ep, EPOLL_CTL_ADD, efd, &ev);
  const double t0 = now();
  std::thread producer([efd] {
    const std::uint64_t one = 1;
    for (int i = 0; i < kCalls; ++i) {
      [[maybe_unused]] const ssize_t n = write(efd, &one, sizeof one);
    }
  });
  std::uint64_t received = 0;
  epoll_event out{};
  while (received < static_cast<std::uint64_t>(kCalls)) {
    if (epoll_wait(ep, &out, 1, -1) == 1) {
      std::uint64_t count = 0;
      if (read(efd, &count, sizeof count) == sizeof count) {
        received += count;
      }
    }
  }
  const double ns = (now() - t0) / kCalls * 1e9;
  producer.join();
  close(efd);
  close(ep);
  return ns;
}

double torsionRoundTrip() {
  torsion::ReactorCore reactor(epollOptions());
  const int reply = eventfd(0, 0);  // blocking: the client sleeps until the reactor answers
  double elapsed = 0;
  std::thread client;
  reactor.callWhenRunning([&] {
    client = std::thread([&] {
      const double t0 = now();
      for (int i = 0; i < kRoundTrips; ++i) {
        reactor.callFromThread([reply] {
          const std::uint64_t one = 1;
          [[maybe_unused]] const ssize_t n = write(reply, &one, sizeof one);
        });
        std::uint64_t got = 0;
        [[maybe_unused]] const ssize_t n = read(reply, &got, sizeof got);
      }
      elapsed = now() - t0;
      reactor.callFromThread([&reactor] { reactor.stop(); });
    });
  });
  reactor.run();
  client.join();
  close(reply);
  return elapsed / kRoundTrips * 1e9;
}

double bareRoundTrip() {
  const int request = eventfd(0, EFD_NONBLOCK);
  const int reply = eventfd(0, 0);
  const int ep = epoll_create1(EPOLL_CLOEXEC);
  epoll_event ev{};
  ev.events = EPOLLIN;
  epoll_ctl(ep, EPOLL_CTL_ADD, request, &ev);
  std::atomic<bool> stop{false};
  std::thread server([&] {
    epoll_event out{};
    while (!stop.load(std::memory_order_relaxed)) {
      if (epoll_wait(ep, &out, 1, 100) == 1) {
        std::uint64_t count = 0;
        if (read(request, &count, sizeof count) == sizeof count) {
          const std::uint64_t one = 1;
          [[maybe_unused]] const ssize_t n = write(reply, &one, sizeof one);
        }
      }
    }
  });
  const double t0 = now();
  for (int i = 0; i < kRoundTrips; ++i) {
    const std::uint64_t one = 1;
    [[maybe_unused]] ssize_t n = write(request, &one, sizeof one);
    std::uint64_t got = 0;
    n = read(reply, &got, sizeof got);
  }
  const double ns = (now() - t0) / kRoundTrips * 1e9;
  stop = true;
  server.join();
  close(ep);
  close(request);
  close(reply);
  return ns;
}

}  // namespace

int main(int argc, char** argv) {
  const int rounds = argc > 1 ? std::max(1, std::atoi(argv[1])) : 3;
  std::vector<torsion::bench::Row> rows = {
      {"iterate(0), nothing ready", "ns", {}, {}},
      {"callFromThread throughput", "ns/call", {}, {}},
      {"callFromThread wake round trip", "ns", {}, {}},
  };
  for (int r = 0; r < rounds; ++r) {
    rows[0].torsion.push_back(torsionIterate());
    rows[0].peer.push_back(bareEpollWait());
    rows[1].torsion.push_back(torsionCallFromThread());
    rows[1].peer.push_back(bareEventfdThroughput());
    rows[2].torsion.push_back(torsionRoundTrip());
    rows[2].peer.push_back(bareRoundTrip());
  }
  std::printf("Reactor overheads, median of %d interleaved rounds (lower is better)\n\n", rounds);
  torsion::bench::printTable("bare syscalls", rows);
  return 0;
}
