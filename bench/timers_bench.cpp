// Timers: torsion's timer queue against libuv's timers, in the same run, interleaved.
//
// 1. Schedule 1,000,000 calls at random delays within 1 s, cancel every other one, then let
//    the rest fire: ns per schedule, per cancel and per fire. Both sides sleep past the last
//    deadline before firing, so "fire" is the cost of running due timers, not of waiting.
// 2. The common network case: 10,000 connections each with a 30 s idle timeout that is reset
//    on every message; ns per reset over 1,000,000 messages.
// Each figure is the median of --rounds rounds (default 3). Run: ./build/bench/timers_bench
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <uv.h>

#include <torsion/reactor/reactor_core.hpp>

#include "bench_support.hpp"

using namespace std::chrono_literals;
using torsion::bench::now;

namespace {

constexpr int kCalls = 1'000'000;
constexpr int kConnections = 10'000;
constexpr int kMessages = 1'000'000;

struct Figures {
  double schedule;  // ns per call
  double cancel;
  double fire;
  double reset;
};

std::vector<std::uint64_t> randomDelaysMs(unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<std::uint64_t> dist(0, 999);
  std::vector<std::uint64_t> delays(kCalls);
  for (auto& d : delays) {
    d = dist(rng);
  }
  return delays;
}

Figures torsionRound(const std::vector<std::uint64_t>& delays) {
  torsion::ReactorOptions options;
  options.installSignalHandlers = false;
  options.backend = torsion::ReactorBackend::kEpoll;
  torsion::ReactorCore reactor(options);
  int fired = 0;
  std::vector<torsion::DelayedCall> calls;
  calls.reserve(kCalls);
  Figures f{};

  // Warm up: libuv's caller brings its own (here pre-touched) timer memory, so let torsion's
  // slot pool and heap reach their working size first too, as in a long-running server.
  for (const std::uint64_t ms : delays) {
    calls.push_back(reactor.callLater(std::chrono::milliseconds(ms), [] {}));
  }
  for (auto& call : calls) {
    call.cancel();
  }
  calls.clear();
  reactor.iterate(0s);

  double t0 = now();
  for (const std::uint64_t ms : delays) {
    calls.push_back(reactor.callLater(std::chrono::milliseconds(ms), [&fired] { ++fired; }));
  }
  f.schedule = (now() - t0) / kCalls * 1e9;

  t0 = now();
  for (std::size_t i = 0; i < calls.size(); i += 2) {
    calls[i].cancel();
  }
  f.cancel = (now() - t0) / (kCalls / 2) * 1e9;
  calls.clear();  // handles are not needed to fire; drop them as libuv users would

  std::this_thread::sleep_for(1050ms);
  t0 = now();
  while (fired < kCalls / 2) {
    reactor.iterate(0s);
  }
  f.fire = (now() - t0) / (kCalls / 2) * 1e9;

  std::vector<torsion::DelayedCall> idle;
  idle.reserve(kConnections);
  for (int i = 0; i < kConnections; ++i) {
    idle.push_back(reactor.callLater(30s, [] {}));
  }
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> pick(0, kConnections - 1);
  t0 = now();
  for (int m = 0; m < kMessages; ++m) {
    idle[static_cast<std::size_t>(pick(rng))].reset(30s);
  }
  f.reset = (now() - t0) / kMessages * 1e9;
  return f;
}

Figures libuvRound(const std::vector<std::uint64_t>& delays) {
  uv_loop_t loop{};
  uv_loop_init(&loop);
  int fired = 0;
  // libuv's idiom: the caller owns each uv_timer_t, usually inside a connection object.
  auto timers = std::make_unique<uv_timer_t[]>(kCalls);  // NOLINT: C array of C handles
  Figures f{};

  double t0 = now();
  for (int i = 0; i < kCalls; ++i) {
    uv_timer_t* t = &timers[static_cast<std::size_t>(i)];
    uv_timer_init(&loop, t);
    t->data = &fired;
    uv_timer_start(
        t, [](uv_timer_t* h) { ++*static_cast<int*>(h->data); },
        delays[static_cast<std::size_t>(i)], 0);
  }
  f.schedule = (now() - t0) / kCalls * 1e9;

  t0 = now();
  for (int i = 0; i < kCalls; i += 2) {
    uv_timer_stop(&timers[static_cast<std::size_t>(i)]);
  }
  f.cancel = (now() - t0) / (kCalls / 2) * 1e9;

  std::this_thread::sleep_for(1050ms);
  t0 = now();
  while (fired < kCalls / 2) {
    uv_run(&loop, UV_RUN_NOWAIT);
  }
  f.fire = (now() - t0) / (kCalls / 2) * 1e9;

  auto idle = std::make_unique<uv_timer_t[]>(kConnections);  // NOLINT: C array of C handles
  for (int i = 0; i < kConnections; ++i) {
    uv_timer_init(&loop, &idle[static_cast<std::size_t>(i)]);
    uv_timer_start(
        &idle[static_cast<std::size_t>(i)], [](uv_timer_t*) {}, 30000, 0);
  }
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> pick(0, kConnections - 1);
  t0 = now();
  for (int m = 0; m < kMessages; ++m) {
    // libuv's documented way to push a timer back: start it again.
    uv_timer_start(
        &idle[static_cast<std::size_t>(pick(rng))], [](uv_timer_t*) {}, 30000, 0);
  }
  f.reset = (now() - t0) / kMessages * 1e9;

  for (int i = 0; i < kCalls; ++i) {
    uv_close(reinterpret_cast<uv_handle_t*>(&timers[static_cast<std::size_t>(i)]),  // NOLINT
             nullptr);
  }
  for (int i = 0; i < kConnections; ++i) {
    uv_close(reinterpret_cast<uv_handle_t*>(&idle[static_cast<std::size_t>(i)]),  // NOLINT
             nullptr);
  }
  uv_run(&loop, UV_RUN_DEFAULT);
  uv_loop_close(&loop);
  return f;
}

}  // namespace

int main(int argc, char** argv) {
  const int rounds = argc > 1 ? std::max(1, std::atoi(argv[1])) : 3;
  std::vector<torsion::bench::Row> rows = {
      {"schedule (1M random delays < 1 s)", "ns", {}, {}},
      {"cancel (every other one)", "ns", {}, {}},
      {"fire (500k due calls)", "ns", {}, {}},
      {"idle-timeout reset (10k conns, 1M msgs)", "ns", {}, {}},
  };
  for (int r = 0; r < rounds; ++r) {
    const auto delays = randomDelaysMs(static_cast<unsigned>(r + 1));
    // Interleave: torsion then libuv in each round, on the same delays.
    const Figures t = torsionRound(delays);
    const Figures u = libuvRound(delays);
    std::fprintf(stderr, "round %d: torsion %.0f/%.0f/%.0f/%.0f ns, libuv %.0f/%.0f/%.0f/%.0f ns\n",
                 r + 1, t.schedule, t.cancel, t.fire, t.reset, u.schedule, u.cancel, u.fire,
                 u.reset);
    rows[0].torsion.push_back(t.schedule);
    rows[0].peer.push_back(u.schedule);
    rows[1].torsion.push_back(t.cancel);
    rows[1].peer.push_back(u.cancel);
    rows[2].torsion.push_back(t.fire);
    rows[2].peer.push_back(u.fire);
    rows[3].torsion.push_back(t.reset);
    rows[3].peer.push_back(u.reset);
  }
  std::printf("Timers, median of %d interleaved rounds (lower is better)\n\n", rounds);
  torsion::bench::printTable("libuv 1.44", rows);
  return 0;
}
