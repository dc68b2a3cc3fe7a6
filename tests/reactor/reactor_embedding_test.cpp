// A host program's own loop drives torsion. The host is either a plain poll() loop written in the
// test, which sleeps on torsion's embedding descriptor and calls iterate(0) when it is readable,
// or a libuv loop the test runs with its own uv_run (UvHostLoop), which drives the uv backend.
#include <array>
#include <chrono>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <uv.h>

#include <torsion/reactor/reactor_core.hpp>

#include "reactor_test_support.hpp"
#include "uv_host_loop.hpp"

using namespace std::chrono_literals;
using torsion::ReactorCore;

namespace {

// Sleeps in poll() on `fd` for at most `timeoutMs`; true if it turned readable.
bool hostWaits(int fd, int timeoutMs) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, timeoutMs) == 1 && (p.revents & POLLIN) != 0;
}

torsion::ReactorOptions epollOptions() {
  return torsion::test::quietOptions(torsion::ReactorBackend::kEpoll);
}

}  // namespace

TEST_CASE("The embedding descriptor turns readable when a call falls due", "[reactor][embedding]") {
  ReactorCore reactor(epollOptions());
  const int fd = reactor.embeddingDescriptor();
  REQUIRE(fd >= 0);
  bool ran = false;
  reactor.callLater(30ms, [&ran] { ran = true; });
  REQUIRE_FALSE(hostWaits(fd, 0));  // nothing is due yet: the descriptor does not lie
  const auto start = std::chrono::steady_clock::now();
  // The host sleeps with no timeout of its own: only torsion's descriptor can wake it.
  for (int turn = 0; turn < 100 && !ran; ++turn) {
    REQUIRE(hostWaits(fd, 5000));
    reactor.iterate(0s);
  }
  REQUIRE(ran);
  REQUIRE(std::chrono::steady_clock::now() - start >= 30ms);
}

TEST_CASE("The embedding descriptor turns readable for a callFromThread", "[reactor][embedding]") {
  ReactorCore reactor(epollOptions());
  const int fd = reactor.embeddingDescriptor();
  bool ran = false;
  std::thread other([&reactor, &ran] { reactor.callFromThread([&ran] { ran = true; }); });
  REQUIRE(hostWaits(fd, 5000));
  other.join();
  reactor.iterate(0s);
  REQUIRE(ran);
  REQUIRE_FALSE(hostWaits(fd, 0));  // drained: quiet again
}

TEST_CASE("The embedding descriptor turns readable for a descriptor registered a moment ago",
          "[reactor][embedding]") {
  ReactorCore reactor(epollOptions());
  const int fd = reactor.embeddingDescriptor();
  std::array<int, 2> fds{};
  REQUIRE(::pipe2(fds.data(), O_NONBLOCK) == 0);
  REQUIRE(::write(fds[1], "x", 1) == 1);  // ready before it is even registered

  struct Reader final : torsion::IReadDescriptor {
    int fd = -1;
    int reads = 0;

    [[nodiscard]] int fileno() const override { return fd; }

    void doRead() override {
      char c = 0;
      while (::read(fd, &c, 1) == 1) {
        ++reads;
      }
    }
  } reader;

  reader.fd = fds[0];
  REQUIRE_FALSE(hostWaits(fd, 0));
  reactor.addReader(reader);  // outside any turn, from the host's code
  REQUIRE(hostWaits(fd, 0));  // applied at once: no lag as with uv_backend_fd
  reactor.iterate(0s);
  REQUIRE(reader.reads == 1);
  reactor.removeReader(reader);
  ::close(fds[0]);
  ::close(fds[1]);
}

TEST_CASE("timeUntilNextCall tells a host how long it may sleep", "[reactor][embedding]") {
  ReactorCore reactor(torsion::test::quietOptions(torsion::test::anyBackend()));
  REQUIRE_FALSE(reactor.timeUntilNextCall().has_value());
  auto call = reactor.callLater(10s, [] {});
  auto wait = reactor.timeUntilNextCall();
  REQUIRE(wait.has_value());
  REQUIRE(wait->count() <= 10.0);
  REQUIRE(wait->count() > 9.0);
  reactor.callFromThread([] {});
  REQUIRE(reactor.timeUntilNextCall() == torsion::Seconds{0});
  reactor.iterate(0s);
  call.cancel();
}

TEST_CASE("Only the epoll backend offers an embedding descriptor", "[reactor][embedding]") {
  ReactorCore poll(torsion::test::quietOptions(torsion::ReactorBackend::kPoll));
  REQUIRE(poll.embeddingDescriptor() == -1);
}

TEST_CASE("The uv backend runs on a host's loop and leaves it usable", "[reactor][embedding]") {
  uv_loop_t host{};
  REQUIRE(uv_loop_init(&host) == 0);
  // The host's own timer, which must keep working around torsion.
  uv_timer_t hostTimer{};
  int hostTicks = 0;
  hostTimer.data = &hostTicks;
  uv_timer_init(&host, &hostTimer);
  uv_timer_start(
      &hostTimer, [](uv_timer_t* t) { ++*static_cast<int*>(t->data); }, 1, 1);

  {
    torsion::ReactorOptions options = torsion::test::quietOptions(torsion::ReactorBackend::kUv);
    options.uvLoop = &host;
    ReactorCore reactor(options);
    int fired = 0;
    reactor.callLater(20ms, [&] {
      ++fired;
      reactor.stop();
    });
    torsion::test::runBounded(reactor);
    REQUIRE(fired == 1);
    REQUIRE(hostTicks > 0);  // the host's handles ran while torsion ran the loop
  }

  // A plain poll() host loop now drives the same libuv loop through its backend descriptor.
  const int before = hostTicks;
  for (int turn = 0; turn < 1000 && hostTicks < before + 3; ++turn) {
    pollfd p{uv_backend_fd(&host), POLLIN, 0};
    ::poll(&p, 1, uv_backend_timeout(&host));
    uv_run(&host, UV_RUN_NOWAIT);
  }
  REQUIRE(hostTicks >= before + 3);

  uv_close(reinterpret_cast<uv_handle_t*>(&hostTimer), nullptr);  // NOLINT: libuv idiom
  uv_run(&host, UV_RUN_DEFAULT);  // finishes the host's and torsion's pending closes
  REQUIRE(uv_loop_close(&host) == 0);
}

// ---- a host that runs its libuv loop itself -------------------------------------------------
// The host never calls run() or iterate(): its own uv_run drives torsion, as it would any libuv
// library. Each wait is bounded by UvHostLoop's guard timer.

namespace {

// Reads a non-blocking pipe whenever torsion says it is readable, and tells `onByte` each byte.
struct PipeReader final : torsion::IReadDescriptor {
  PipeReader() { REQUIRE(::pipe2(fds.data(), O_NONBLOCK | O_CLOEXEC) == 0); }

  ~PipeReader() override {
    ::close(fds[0]);
    ::close(fds[1]);
  }

  PipeReader(const PipeReader&) = delete;
  PipeReader& operator=(const PipeReader&) = delete;
  PipeReader(PipeReader&&) = delete;
  PipeReader& operator=(PipeReader&&) = delete;

  [[nodiscard]] int fileno() const override { return fds[0]; }

  void doRead() override {
    char c = 0;
    while (::read(fds[0], &c, 1) == 1) {
      received += c;
      if (onByte) {
        onByte(c);
      }
    }
  }

  void send(char c) const { REQUIRE(::write(fds[1], &c, 1) == 1); }

  std::array<int, 2> fds{};
  std::string received;
  std::function<void(char)> onByte;
};

}  // namespace

TEST_CASE("A host's own uv_run delivers a descriptor's readiness to torsion",
          "[reactor][embedding][uv]") {
  uv_timer_t writer{};  // declared first: it must outlive the loop's close callbacks
  torsion::test::UvHostLoop host;
  {
    ReactorCore reactor(host.options());
    PipeReader reader;
    reader.onByte = [&host](char) { host.stop(); };
    reactor.addReader(reader);
    // The byte arrives from the host's own timer, after the loop is asleep in uv_run.
    uv_timer_init(host.get(), &writer);
    writer.data = &reader;
    uv_timer_start(
        &writer, [](uv_timer_t* t) { static_cast<PipeReader*>(t->data)->send('x'); }, 1, 0);
    REQUIRE(host.runDefault());
    REQUIRE(reader.received == "x");
    reactor.removeReader(reader);
    uv_close(reinterpret_cast<uv_handle_t*>(&writer), nullptr);  // NOLINT: libuv idiom
  }
  REQUIRE(host.close() == 0);
}

TEST_CASE("A host's own uv_run runs callLater at its time, and calls scheduled from it",
          "[reactor][embedding][uv]") {
  torsion::test::UvHostLoop host;
  {
    ReactorCore reactor(host.options());
    const double scheduledAt = reactor.seconds();
    double firstAt = 0;
    std::vector<std::string> order;
    reactor.callLater(30ms, [&] {
      firstAt = reactor.seconds();
      order.emplace_back("first");
      // Scheduled from inside a call the host's loop is running: no turn of torsion's follows.
      reactor.callLater(0s, [&order] { order.emplace_back("nested now"); });
      reactor.callLater(10ms, [&] {
        order.emplace_back("nested later");
        host.stop();
      });
    });
    REQUIRE(host.runDefault());
    REQUIRE(order == std::vector<std::string>{"first", "nested now", "nested later"});
    REQUIRE(firstAt - scheduledAt >= 0.030);  // never early
    REQUIRE(reactor.getDelayedCalls().empty());
  }
  REQUIRE(host.close() == 0);
}

TEST_CASE("A host's own uv_run follows calls scheduled and moved from the host's callbacks",
          "[reactor][embedding][uv]") {
  uv_timer_t hostTimer{};  // declared first: it must outlive the loop's close callbacks
  torsion::test::UvHostLoop host;
  {
    ReactorCore reactor(host.options());

    struct State {
      ReactorCore* reactor;
      torsion::test::UvHostLoop* host;
      torsion::DelayedCall far;
      bool farRan = false;
      bool scheduledRan = false;
    } state{&reactor, &host, {}, false, false};

    // Due in an hour; the host's callback moves it 20 ms ahead, which must re-arm the wake-up.
    state.far = reactor.callLater(3600s, [&state] { state.farRan = true; });
    uv_timer_init(host.get(), &hostTimer);
    hostTimer.data = &state;
    uv_timer_start(
        &hostTimer,
        [](uv_timer_t* t) {
          auto* s = static_cast<State*>(t->data);
          s->far.reset(20ms);
          s->reactor->callLater(5ms, [s] { s->scheduledRan = true; });
          s->reactor->callLater(40ms, [s] { s->host->stop(); });
        },
        1, 0);
    REQUIRE(host.runDefault());
    REQUIRE(state.farRan);
    REQUIRE(state.scheduledRan);
    uv_close(reinterpret_cast<uv_handle_t*>(&hostTimer), nullptr);  // NOLINT: libuv idiom
  }
  REQUIRE(host.close() == 0);
}

TEST_CASE("A host's own uv_run runs callFromThread calls made by another thread",
          "[reactor][embedding][uv][threads]") {
  torsion::test::UvHostLoop host;
  {
    ReactorCore reactor(host.options());
    constexpr int kCalls = 100;
    int ran = 0;
    std::thread other([&] {
      for (int i = 0; i < kCalls; ++i) {
        reactor.callFromThread([&] {
          if (++ran == kCalls) {
            host.stop();
          }
        });
      }
    });
    const bool stopped = host.runDefault();
    other.join();
    REQUIRE(stopped);
    REQUIRE(ran == kCalls);
  }
  REQUIRE(host.close() == 0);
}

namespace {

// Where each byte and each call ran in the alternating test: inside torsion's iterate, or inside
// the host's uv_run.
struct WhereItRan {
  bool inIterate = false;
  std::string readInTurns;
  std::string readByHost;
  int callsInTurns = 0;
  int callsByHost = 0;

  void read(char c) { (inIterate ? readInTurns : readByHost) += c; }

  void call() { ++(inIterate ? callsInTurns : callsByHost); }
};

// One round of the alternating test: a ready byte and a due call for torsion's iterate(0s), then
// the same again for one host pass of uv_run(UV_RUN_ONCE). False if the host's pass did not read
// its byte.
bool alternateOnce(ReactorCore& reactor, const PipeReader& reader, WhereItRan& ran,
                   torsion::test::UvHostLoop& host) {
  reader.send('t');
  reactor.callLater(0s, [&ran] { ran.call(); });
  ran.inIterate = true;
  reactor.iterate(0s);
  ran.inIterate = false;
  const std::size_t before = ran.readByHost.size();
  reader.send('h');
  reactor.callLater(0s, [&ran] { ran.call(); });
  return host.runOnceUntil([&ran, before] { return ran.readByHost.size() == before + 1; });
}

// `rounds` rounds of alternateOnce, then host passes until every call made has run (a call made
// before the host's last pass may still be waiting on the wake timer). False if a wait failed.
bool alternate(int rounds, ReactorCore& reactor, const PipeReader& reader, WhereItRan& ran,
               torsion::test::UvHostLoop& host) {
  for (int round = 0; round < rounds; ++round) {
    if (!alternateOnce(reactor, reader, ran, host)) {
      return false;
    }
  }
  return host.runOnceUntil(
      [&ran, rounds] { return ran.callsInTurns + ran.callsByHost == 2 * rounds; });
}

}  // namespace

TEST_CASE("A host alternating uv_run(UV_RUN_ONCE) with torsion's iterate(0s) loses nothing",
          "[reactor][embedding][uv]") {
  torsion::test::UvHostLoop host;
  {
    ReactorCore reactor(host.options());
    PipeReader reader;
    WhereItRan ran;
    reader.onByte = [&ran](char c) { ran.read(c); };
    reactor.addReader(reader);
    constexpr int kRounds = 20;
    REQUIRE(alternate(kRounds, reactor, reader, ran, host));  // every call ran exactly once
    REQUIRE(ran.readInTurns == std::string(kRounds, 't'));
    REQUIRE(ran.readByHost == std::string(kRounds, 'h'));
    REQUIRE(ran.callsInTurns >= kRounds);  // iterate ran the calls due at its turns
    REQUIRE(ran.callsByHost > 0);          // and the host's uv_run ran others
    reactor.removeReader(reader);
  }
  REQUIRE(host.close() == 0);
}
