// A host program's own loop drives torsion. The host here is a plain poll() loop written in the
// test: it sleeps on torsion's embedding descriptor and calls iterate(0) when it is readable.
#include <array>
#include <chrono>
#include <thread>

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <uv.h>

#include <torsion/reactor/reactor_core.hpp>

#include "reactor_test_support.hpp"

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
