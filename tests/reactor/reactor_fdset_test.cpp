#include <array>
#include <cerrno>
#include <functional>
#include <string>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <torsion/deferred/error.hpp>
#include <torsion/reactor/reactor_core.hpp>

#include "reactor_test_support.hpp"

using namespace std::chrono_literals;
using torsion::ReactorCore;

namespace {

// A non-blocking pipe that closes itself.
struct Pipe {
  std::array<int, 2> fds{-1, -1};

  Pipe() { REQUIRE(::pipe2(fds.data(), O_NONBLOCK | O_CLOEXEC) == 0); }

  ~Pipe() {
    ::close(fds[0]);
    ::close(fds[1]);
  }

  Pipe(const Pipe&) = delete;
  Pipe& operator=(const Pipe&) = delete;
  Pipe(Pipe&&) = delete;
  Pipe& operator=(Pipe&&) = delete;

  [[nodiscard]] int readEnd() const { return fds[0]; }

  [[nodiscard]] int writeEnd() const { return fds[1]; }
};

// Reads everything available and calls `onData` with it.
struct PipeReader final : torsion::IReadDescriptor {
  int fd = -1;
  std::string received;
  torsion::UniqueFunction<void(PipeReader&)> onData;

  [[nodiscard]] int fileno() const override { return fd; }

  void doRead() override {
    std::array<char, 256> buf{};
    for (;;) {
      const ssize_t n = ::read(fd, buf.data(), buf.size());
      if (n <= 0) {
        break;
      }
      received.append(buf.data(), static_cast<std::size_t>(n));
    }
    if (onData) {
      onData(*this);
    }
  }
};

struct PipeWriter final : torsion::IWriteDescriptor {
  int fd = -1;
  int writable = 0;
  torsion::UniqueFunction<void(PipeWriter&)> onWritable;

  [[nodiscard]] int fileno() const override { return fd; }

  void doWrite() override {
    ++writable;
    if (onWritable) {
      onWritable(*this);
    }
  }
};

}  // namespace

TEST_CASE("A reader is called when its descriptor becomes readable", "[reactor][fdset]") {
  ReactorCore reactor(torsion::test::quietOptions(torsion::test::anyBackend()));
  Pipe pipe;
  PipeReader reader;
  reader.fd = pipe.readEnd();
  reader.onData = [&reactor](PipeReader& self) {
    if (self.received == "hello") {
      reactor.removeReader(self);
      reactor.stop();
    }
  };
  reactor.addReader(reader);
  reactor.addReader(reader);  // adding the same reader twice does nothing
  REQUIRE(reactor.isReading(reader));
  reactor.callLater(5ms, [&pipe] { REQUIRE(::write(pipe.writeEnd(), "hello", 5) == 5); });
  torsion::test::runBounded(reactor);
  REQUIRE(reader.received == "hello");
  REQUIRE_FALSE(reactor.isReading(reader));
}

TEST_CASE("A writer is called while its descriptor is writable, until removed",
          "[reactor][fdset]") {
  ReactorCore reactor(torsion::test::quietOptions(torsion::test::anyBackend()));
  Pipe pipe;
  PipeWriter writer;
  writer.fd = pipe.writeEnd();
  writer.onWritable = [&reactor](PipeWriter& self) {
    if (self.writable == 3) {
      reactor.removeWriter(self);
      reactor.callLater(10ms, [&reactor] { reactor.stop(); });
    }
  };
  reactor.addWriter(writer);
  torsion::test::runBounded(reactor);
  REQUIRE(writer.writable == 3);  // no call after removal
}

TEST_CASE(
    "A descriptor registered during a turn is watched at once, one removed gets no "
    "further call",
    "[reactor][fdset]") {
  ReactorCore reactor(torsion::test::quietOptions(torsion::test::anyBackend()));
  Pipe first;
  Pipe second;
  PipeReader a;
  PipeReader b;
  a.fd = first.readEnd();
  b.fd = second.readEnd();
  int bCalls = 0;
  // When a fires, it removes b (which is also ready in the same turn), then stops.
  a.onData = [&](PipeReader& self) {
    reactor.removeReader(self);
    if (reactor.isReading(b)) {
      reactor.removeReader(b);
    }
    reactor.callLater(10ms, [&reactor] { reactor.stop(); });
  };
  b.onData = [&bCalls, &reactor](PipeReader& self) {
    ++bCalls;
    reactor.removeReader(self);
  };
  REQUIRE(::write(first.writeEnd(), "a", 1) == 1);
  REQUIRE(::write(second.writeEnd(), "b", 1) == 1);
  reactor.callLater(0s, [&] {
    reactor.addReader(a);
    reactor.addReader(b);
  });
  torsion::test::runBounded(reactor);
  REQUIRE(a.received == "a");
  // b was either read before a in the turn, or removed by a and never called: never both.
  REQUIRE(bCalls == (b.received == "b" ? 1 : 0));
}

TEST_CASE("Bad descriptors are refused with ValueError", "[reactor][fdset]") {
  ReactorCore reactor(torsion::test::quietOptions(torsion::test::anyBackend()));
  PipeReader negative;
  REQUIRE_THROWS_WITH(reactor.addReader(negative), Catch::Contains("negative"));

  int closedFd = -1;
  {
    Pipe pipe;
    closedFd = pipe.readEnd();
  }
  PipeReader closed;
  closed.fd = closedFd;
  REQUIRE_THROWS_WITH(reactor.addReader(closed), Catch::Contains("not open"));

  Pipe pipe;
  PipeReader unknown;
  unknown.fd = pipe.readEnd();
  REQUIRE_THROWS_WITH(reactor.removeReader(unknown),
                      Catch::Contains("is not registered for reading"));
  PipeWriter unknownWriter;
  unknownWriter.fd = pipe.writeEnd();
  REQUIRE_THROWS_AS(reactor.removeWriter(unknownWriter), torsion::ValueError);

  PipeReader first;
  PipeReader other;
  first.fd = other.fd = pipe.readEnd();
  reactor.addReader(first);
  REQUIRE_THROWS_WITH(reactor.addReader(other), Catch::Contains("already has another reader"));
  reactor.removeReader(first);
}

TEST_CASE("A reader that throws is logged and removed, and the loop goes on", "[reactor][fdset]") {
  torsion::test::CapturedLog log;
  ReactorCore reactor(torsion::test::quietOptions(torsion::test::anyBackend()));
  Pipe pipe;
  PipeReader reader;
  reader.fd = pipe.readEnd();
  reader.onData = [](PipeReader&) { throw std::runtime_error("reader broke"); };
  reactor.addReader(reader);
  REQUIRE(::write(pipe.writeEnd(), "x", 1) == 1);
  bool later = false;
  reactor.callLater(20ms, [&] {
    later = true;
    reactor.stop();
  });
  torsion::test::runBounded(reactor);
  REQUIRE(later);
  REQUIRE(log.contains("reader broke"));
  REQUIRE_FALSE(reactor.isReading(reader));
}

TEST_CASE("A descriptor that reports an error stays watched", "[reactor][fdset]") {
  // A connected UDP socket aimed at a closed port gets ECONNREFUSED (POLLERR) after each send.
  // libuv stops a poll handle that reports an error; the uv backend must watch again.
  ReactorCore reactor(torsion::test::quietOptions(torsion::test::anyBackend()));
  const int closedPortSocket = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  REQUIRE(::bind(closedPortSocket, reinterpret_cast<sockaddr*>(&addr), len) == 0);  // NOLINT
  REQUIRE(::getsockname(closedPortSocket, reinterpret_cast<sockaddr*>(&addr), &len) ==
          0);                 // NOLINT
  ::close(closedPortSocket);  // the port is now closed: sends to it are refused

  struct Refused final : torsion::IReadDescriptor {
    int fd = -1;
    int errors = 0;

    [[nodiscard]] int fileno() const override { return fd; }

    void doRead() override {
      char c = 0;
      if (::recv(fd, &c, 1, 0) < 0 && errno == ECONNREFUSED) {
        ++errors;
      }
    }
  } refused;

  refused.fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
  REQUIRE(::connect(refused.fd, reinterpret_cast<sockaddr*>(&addr), len) == 0);  // NOLINT
  reactor.addReader(refused);
  int sent = 0;
  std::function<void()> sendOne = [&] {
    if (refused.errors >= 3 || sent >= 50) {
      reactor.stop();
      return;
    }
    if (refused.errors == sent) {
      ++sent;
      [[maybe_unused]] const ssize_t n = ::send(refused.fd, "x", 1, 0);
    }
    reactor.callLater(2ms, sendOne);
  };
  reactor.callLater(0s, sendOne);
  torsion::test::runBounded(reactor);
  REQUIRE(refused.errors == 3);
  reactor.removeReader(refused);
  ::close(refused.fd);
}
