// echo_load: the echo suite's load generator (issue #9). It drives every server the same way and
// counts only verified echoes: every byte that comes back is compared with the byte sent.
//
// One thread and one level-triggered epoll set: on these 2-core machines the server under test
// has one core and the generator the other; a second generator thread would compete with the
// server for a core instead of adding load. The generator does the same few system calls per
// message as the hand-written epoll server (one recv, one send, a share of epoll_wait), so at the
// fastest servers the two sides are about equally loaded: throughput there is bounded by both, and
// server CPU per message is the figure to steer by. The JSON result carries the generator's own
// CPU use so a reader can see when it was the bottleneck.
//
// Modes:
//   pingpong  N connections, each with exactly one message (--size bytes, default 64) in flight;
//             measures messages/s and round-trip latency (p50/p99 over every message).
//   stream    N connections, each writing --chunk byte chunks (default 16 KiB) as fast as the
//             server echoes them, with at most --window bytes (default 256 KiB) unechoed; the
//             echoed stream is checked byte for byte; measures MB/s (and chunk round trips).
//   idle      opens N connections, echoes one message on each, then reads the server's VmRSS
//             (--server-pid) and reports KiB per connection against the RSS before connecting.
//
// Phases: connect (at most 64 connections awaiting their first echo, so no server's accept queue
// overflows), warm up for --warmup s, quiesce (no message in flight), measure for --duration s,
// drain (every message sent in the window is echoed and counted). So the window's messages are
// exactly the ones whose system calls a tracer attached in between sees. With --server-pid, the
// server's user and system CPU time are read from /proc/<pid>/stat at both ends of the window,
// and its voluntary context switches (how often it blocked and had to be woken) from
// /proc/<pid>/status.
// With --sync, the generator prints "quiesced" and "drained" at the two ends and waits for a line
// on stdin after each, so a runner can attach and detach strace around the window.
//
// The result is one JSON object on the last line of stdout. Exit status: 0 on success, 1 on a
// verification or connection error, 3 when the hard --timeout passed.
//
// Example: echo_load --port 9000 --mode pingpong --connections 100 --duration 2
#include <algorithm>
#include <array>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <fstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "echo_support.hpp"

namespace {

constexpr std::size_t kReadBufferSize = std::size_t{64} * 1024;
constexpr int kMaxEvents = 1024;
constexpr int kMaxOpening = 64;
// The streaming pattern repeats every kPatternPeriod bytes (a prime, so a connection's stream
// never lines up with another's or with chunk boundaries); it is stored twice over so that any
// window of up to kPatternPeriod bytes is contiguous.
constexpr std::size_t kPatternPeriod = 100'003;

enum class Mode { kPingPong, kStream, kIdle };

struct Options {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
  Mode mode = Mode::kPingPong;
  int connections = 1;
  std::size_t size = 64;
  std::size_t chunk = std::size_t{16} * 1024;
  std::size_t window = std::size_t{256} * 1024;
  double warmup = 0.5;
  double duration = 2.0;
  double timeout = 60.0;
  int serverPid = 0;
  bool sync = false;
};

std::int64_t nowNs() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return std::int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

double cpuSeconds(const timeval& tv) {
  return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6;
}

double selfCpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return cpuSeconds(usage.ru_utime) + cpuSeconds(usage.ru_stime);
}

/// A server's CPU time so far, from /proc/<pid>/stat (utime and stime, in clock ticks).
struct ServerCpu {
  double user = 0;
  double sys = 0;
};

ServerCpu readServerCpu(int pid) {
  ServerCpu cpu;
  if (pid <= 0) {
    return cpu;
  }
  std::ifstream file("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(file, line)) {
    return cpu;
  }
  // The command name may hold spaces and parentheses: fields count from the last ')'.
  const std::string_view text(line);
  const std::size_t paren = text.rfind(')');
  if (paren == std::string_view::npos) {
    return cpu;
  }
  // After ") " come field 3 (state) onwards; utime and stime are fields 14 and 15.
  std::string rest(text.substr(paren + 2));
  std::vector<std::string> fields;
  std::size_t start = 0;
  while (start < rest.size() && fields.size() < 13) {
    const std::size_t end = rest.find(' ', start);
    fields.push_back(rest.substr(start, end - start));
    start = end == std::string::npos ? rest.size() : end + 1;
  }
  if (fields.size() == 13) {
    const auto ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
    cpu.user = std::strtod(fields[11].c_str(), nullptr) / ticks;
    cpu.sys = std::strtod(fields[12].c_str(), nullptr) / ticks;
  }
  return cpu;
}

/// A number from a line of /proc/<pid>/status (VmRSS and VmHWM in KiB, or
/// voluntary_ctxt_switches); -1 when unreadable.
long readServerStatus(int pid, std::string_view key) {
  if (pid <= 0) {
    return -1;
  }
  std::ifstream file("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(file, line)) {
    if (line.starts_with(key) && line.size() > key.size() && line[key.size()] == ':') {
      return std::strtol(line.c_str() + key.size() + 1, nullptr, 10);
    }
  }
  return -1;
}

[[noreturn]] void fail(const std::string& message) {
  std::fprintf(stderr, "echo_load: %s\n", message.c_str());
  std::exit(1);
}

/// One client connection and its progress.
struct Conn {
  int fd = -1;
  bool connecting = false;
  bool established = false;  // connected and (except when streaming) its first echo came back
  bool wantWrite = false;    // EPOLLOUT is in the interest set
  // pingpong / idle: the message in flight, how much of it went out and came back.
  std::vector<char> message;
  std::size_t sent = 0;
  std::size_t received = 0;
  bool inFlight = false;
  std::uint64_t sequence = 0;
  std::int64_t sentAt = 0;
  // stream: positions in the connection's byte stream, and when each whole chunk went out.
  std::uint64_t streamSent = 0;
  std::uint64_t streamReceived = 0;
  std::size_t patternBase = 0;
  std::deque<std::pair<std::uint64_t, std::int64_t>> chunkTimes;
};

enum class Phase { kSetup, kWarmup, kQuiesce, kMeasure, kDrain, kDone };

class LoadGenerator {
 public:
  explicit LoadGenerator(Options options)
      : options_(std::move(options)),
        conns_(static_cast<std::size_t>(options_.connections)),
        readBuffer_(kReadBufferSize),
        pattern_(2 * kPatternPeriod) {
    for (std::size_t i = 0; i < pattern_.size(); ++i) {
      const std::size_t k = i % kPatternPeriod;
      pattern_[i] = static_cast<char>((k * 131 + (k >> 8) * 7 + 13) & 0xff);
    }
    epoll_ = epoll_create1(EPOLL_CLOEXEC);
    if (epoll_ < 0) {
      fail("epoll_create1 failed");
    }
    samples_.reserve(1U << 20U);
  }

  ~LoadGenerator() {
    for (Conn& conn : conns_) {
      if (conn.fd >= 0) {
        close(conn.fd);
      }
    }
    close(epoll_);
  }

  LoadGenerator(const LoadGenerator&) = delete;
  LoadGenerator& operator=(const LoadGenerator&) = delete;
  LoadGenerator(LoadGenerator&&) = delete;
  LoadGenerator& operator=(LoadGenerator&&) = delete;

  /// Runs every phase; returns the process exit status.
  int run() {
    hardDeadline_ = nowNs() + static_cast<std::int64_t>(options_.timeout * 1e9);
    if (options_.mode == Mode::kIdle) {
      rssBefore_ = readServerStatus(options_.serverPid, "VmRSS");
    }
    std::array<epoll_event, kMaxEvents> events{};
    while (phase_ != Phase::kDone) {
      openConnections();
      const int n = epoll_wait(epoll_, events.data(), kMaxEvents, 20);
      if (n < 0 && errno != EINTR) {
        fail("epoll_wait failed");
      }
      for (int i = 0; i < n; ++i) {
        const epoll_event& ev = events[static_cast<std::size_t>(i)];
        handle(conns_[ev.data.u32], ev.events);
      }
      advancePhase();
      if (nowNs() > hardDeadline_) {
        std::fprintf(stderr, "echo_load: hard timeout (%.1f s) in phase %d\n", options_.timeout,
                     static_cast<int>(phase_));
        return 3;
      }
    }
    report();
    return 0;
  }

 private:
  // ---- connecting ------------------------------------------------------------------------------

  void openConnections() {
    while (opened_ < conns_.size() && opening_ < kMaxOpening) {
      Conn& conn = conns_[opened_];
      conn.fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
      if (conn.fd < 0) {
        fail("socket: " + std::string(std::strerror(errno)) + " (descriptor limit?)");
      }
      const int one = 1;
      setsockopt(conn.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      sockaddr_in addr{};
      addr.sin_family = AF_INET;
      addr.sin_port = htons(options_.port);
      if (inet_pton(AF_INET, options_.host.c_str(), &addr.sin_addr) != 1) {
        fail("bad --host " + options_.host);
      }
      conn.connecting = true;
      // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): the sockets API
      const int rc = connect(conn.fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr);
      if (rc != 0 && errno != EINPROGRESS) {
        fail("connect: " + std::string(std::strerror(errno)));
      }
      epoll_event ev{};
      ev.events = EPOLLOUT;
      ev.data.u32 = static_cast<std::uint32_t>(opened_);
      conn.wantWrite = true;
      if (epoll_ctl(epoll_, EPOLL_CTL_ADD, conn.fd, &ev) != 0) {
        fail("epoll_ctl add failed");
      }
      ++opened_;
      ++opening_;
    }
  }

  void finishConnect(Conn& conn) {
    int error = 0;
    socklen_t length = sizeof error;
    getsockopt(conn.fd, SOL_SOCKET, SO_ERROR, &error, &length);
    if (error != 0) {
      fail("connect: " + std::string(std::strerror(error)));
    }
    conn.connecting = false;
    setWantWrite(conn, false);
    if (options_.mode == Mode::kStream) {
      conn.patternBase = static_cast<std::size_t>(&conn - conns_.data()) * 7919 % kPatternPeriod;
      markEstablished(conn);
      sendStream(conn);
    } else {
      conn.message.resize(options_.size);
      sendMessage(conn);
    }
  }

  void markEstablished(Conn& conn) {
    conn.established = true;
    --opening_;
    ++established_;
  }

  void setWantWrite(Conn& conn, bool want) {
    if (conn.wantWrite == want) {
      return;
    }
    conn.wantWrite = want;
    epoll_event ev{};
    ev.events = want ? (EPOLLIN | EPOLLOUT) : EPOLLIN;
    ev.data.u32 = static_cast<std::uint32_t>(&conn - conns_.data());
    if (epoll_ctl(epoll_, EPOLL_CTL_MOD, conn.fd, &ev) != 0) {
      fail("epoll_ctl mod failed");
    }
  }

  void handle(Conn& conn, std::uint32_t events) {
    if (conn.connecting) {
      finishConnect(conn);
      return;
    }
    if ((events & (EPOLLIN | EPOLLERR | EPOLLHUP)) != 0U) {
      if (options_.mode == Mode::kStream) {
        readStream(conn);
      } else {
        readMessage(conn);
      }
    }
    if ((events & EPOLLOUT) != 0U && conn.wantWrite) {
      if (options_.mode == Mode::kStream) {
        sendStream(conn);
      } else {
        flushMessage(conn);
      }
    }
  }

  /// One recv per readiness event, as the servers do. Returns the byte count (> 0).
  std::size_t receive(Conn& conn) {
    const ssize_t n = recv(conn.fd, readBuffer_.data(), readBuffer_.size(), 0);
    if (n > 0) {
      return static_cast<std::size_t>(n);
    }
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
      return 0;
    }
    fail(n == 0 ? "the server closed a connection" : "recv: " + std::string(std::strerror(errno)));
  }

  // ---- pingpong and idle -----------------------------------------------------------------------

  [[nodiscard]] bool sending() const {
    return phase_ == Phase::kWarmup || phase_ == Phase::kMeasure;
  }

  void sendMessage(Conn& conn) {
    // Every message differs: connection index, sequence number, then bytes derived from both.
    const auto index = static_cast<std::uint32_t>(&conn - conns_.data());
    ++conn.sequence;
    for (std::size_t i = 0; i < conn.message.size(); ++i) {
      conn.message[i] =
          static_cast<char>((conn.sequence * 31 + std::uint64_t{index} * 17 + i * 7) & 0xff);
    }
    std::memcpy(conn.message.data(), &index, std::min(sizeof index, conn.message.size()));
    conn.sent = 0;
    conn.received = 0;
    conn.inFlight = true;
    ++inFlight_;
    conn.sentAt = nowNs();
    flushMessage(conn);
  }

  void flushMessage(Conn& conn) {
    const ssize_t n = send(conn.fd, conn.message.data() + conn.sent,
                           conn.message.size() - conn.sent, MSG_NOSIGNAL);
    if (n < 0 && errno != EAGAIN && errno != EINTR) {
      fail("send: " + std::string(std::strerror(errno)));
    }
    conn.sent += n > 0 ? static_cast<std::size_t>(n) : 0;
    setWantWrite(conn, conn.sent < conn.message.size());
  }

  void readMessage(Conn& conn) {
    const std::size_t n = receive(conn);
    if (n == 0) {
      return;
    }
    if (!conn.inFlight || conn.received + n > conn.sent) {
      fail("received bytes that were never sent");
    }
    if (std::memcmp(readBuffer_.data(), conn.message.data() + conn.received, n) != 0) {
      fail("an echo differs from the message sent");
    }
    conn.received += n;
    if (conn.received < conn.message.size()) {
      return;
    }
    conn.inFlight = false;
    --inFlight_;
    if (!conn.established) {
      markEstablished(conn);
    }
    if (phase_ == Phase::kMeasure || phase_ == Phase::kDrain) {
      ++messages_;
      bytes_ += conn.message.size();
      const std::int64_t latency = nowNs() - conn.sentAt;
      samples_.push_back(static_cast<std::uint32_t>(std::min<std::int64_t>(latency, UINT32_MAX)));
    }
    if (options_.mode == Mode::kPingPong && (sending() || phase_ == Phase::kSetup)) {
      sendMessage(conn);
    }
  }

  // ---- stream ----------------------------------------------------------------------------------

  void sendStream(Conn& conn) {
    for (;;) {
      const std::size_t intoChunk = conn.streamSent % options_.chunk;
      const std::uint64_t unechoed = conn.streamSent - conn.streamReceived;
      // A chunk is begun only while sending and when it fits in the window; a begun one is
      // always finished.
      if (intoChunk == 0 && (!sending() || unechoed + options_.chunk > options_.window)) {
        setWantWrite(conn, false);
        return;
      }
      const std::size_t length = options_.chunk - intoChunk;
      const char* data = pattern_.data() + (conn.patternBase + conn.streamSent) % kPatternPeriod;
      const ssize_t n = send(conn.fd, data, length, MSG_NOSIGNAL);
      if (n < 0 && errno != EAGAIN && errno != EINTR) {
        fail("send: " + std::string(std::strerror(errno)));
      }
      const auto sent = static_cast<std::size_t>(std::max<ssize_t>(n, 0));
      conn.streamSent += sent;
      outstanding_ += sent;
      if (sent < length) {
        setWantWrite(conn, true);  // the socket is full: wait for EPOLLOUT
        return;
      }
      conn.chunkTimes.emplace_back(conn.streamSent, nowNs());
    }
  }

  void readStream(Conn& conn) {
    const std::size_t n = receive(conn);
    if (n == 0) {
      return;
    }
    if (conn.streamReceived + n > conn.streamSent) {
      fail("received bytes that were never sent");
    }
    const char* expected =
        pattern_.data() + (conn.patternBase + conn.streamReceived) % kPatternPeriod;
    if (std::memcmp(readBuffer_.data(), expected, n) != 0) {
      fail("the echoed stream differs from the stream sent");
    }
    conn.streamReceived += n;
    outstanding_ -= n;
    const bool counting = phase_ == Phase::kMeasure || phase_ == Phase::kDrain;
    if (counting) {
      bytes_ += n;
    }
    while (!conn.chunkTimes.empty() && conn.chunkTimes.front().first <= conn.streamReceived) {
      if (counting) {
        ++messages_;
        const std::int64_t latency = nowNs() - conn.chunkTimes.front().second;
        samples_.push_back(static_cast<std::uint32_t>(std::min<std::int64_t>(latency, UINT32_MAX)));
      }
      conn.chunkTimes.pop_front();
    }
    if (!conn.wantWrite) {
      sendStream(conn);  // the window has opened
    }
  }

  // ---- phases ----------------------------------------------------------------------------------

  [[nodiscard]] bool quiet() const { return inFlight_ == 0 && outstanding_ == 0; }

  void advancePhase() {
    const std::int64_t now = nowNs();
    switch (phase_) {
      case Phase::kSetup:
        if (established_ == conns_.size()) {
          if (options_.mode == Mode::kIdle) {
            measureIdle();
            phase_ = Phase::kDone;
            return;
          }
          phase_ = Phase::kWarmup;
          phaseEnd_ = now + static_cast<std::int64_t>(options_.warmup * 1e9);
          if (options_.mode == Mode::kStream) {
            for (Conn& conn : conns_) {
              sendStream(conn);  // streams begin once every connection is up
            }
          }
        }
        return;
      case Phase::kWarmup:
        if (now >= phaseEnd_) {
          phase_ = Phase::kQuiesce;
        }
        return;
      case Phase::kQuiesce:
        if (quiet()) {
          startWindow();
        }
        return;
      case Phase::kMeasure:
        if (now >= phaseEnd_) {
          phase_ = Phase::kDrain;
        }
        return;
      case Phase::kDrain:
        if (quiet()) {
          endWindow();
        }
        return;
      case Phase::kDone:
        return;
    }
  }

  void handshake(const char* line) const {
    if (!options_.sync) {
      return;
    }
    std::printf("%s\n", line);
    std::fflush(stdout);
    std::array<char, 64> reply{};
    if (std::fgets(reply.data(), static_cast<int>(reply.size()), stdin) == nullptr) {
      fail("--sync: stdin closed");
    }
  }

  void startWindow() {
    handshake("quiesced");
    phase_ = Phase::kMeasure;
    cpuStart_ = readServerCpu(options_.serverPid);
    sleepsStart_ = readServerStatus(options_.serverPid, "voluntary_ctxt_switches");
    selfCpuStart_ = selfCpuSeconds();
    windowStart_ = nowNs();
    phaseEnd_ = windowStart_ + static_cast<std::int64_t>(options_.duration * 1e9);
    for (Conn& conn : conns_) {
      if (options_.mode == Mode::kStream) {
        sendStream(conn);
      } else {
        sendMessage(conn);
      }
    }
  }

  void endWindow() {
    windowEnd_ = nowNs();
    cpuEnd_ = readServerCpu(options_.serverPid);
    sleepsEnd_ = readServerStatus(options_.serverPid, "voluntary_ctxt_switches");
    selfCpuEnd_ = selfCpuSeconds();
    handshake("drained");
    phase_ = Phase::kDone;
  }

  void measureIdle() {
    // Let the server finish whatever follows its last echo before reading its RSS.
    usleep(200'000);
    rssAfter_ = readServerStatus(options_.serverPid, "VmRSS");
  }

  // ---- result ----------------------------------------------------------------------------------

  double percentileUs(double fraction) {
    if (samples_.empty()) {
      return 0;
    }
    const auto rank = static_cast<std::size_t>(fraction * static_cast<double>(samples_.size() - 1));
    std::nth_element(samples_.begin(), samples_.begin() + static_cast<std::ptrdiff_t>(rank),
                     samples_.end());
    return static_cast<double>(samples_[rank]) / 1e3;
  }

  void report() {
    static constexpr std::array<const char*, 3> kModeNames = {"pingpong", "stream", "idle"};
    const char* mode = kModeNames.at(static_cast<std::size_t>(options_.mode));
    if (options_.mode == Mode::kIdle) {
      const double perConn =
          static_cast<double>(rssAfter_ - rssBefore_) / static_cast<double>(conns_.size());
      std::printf(
          "{\"mode\": \"%s\", \"connections\": %zu, \"verified\": %zu, \"rss_before_kib\": %ld, "
          "\"rss_after_kib\": %ld, \"kib_per_connection\": %.3f}\n",
          mode, conns_.size(), established_, rssBefore_, rssAfter_, perConn);
      return;
    }
    const double seconds = static_cast<double>(windowEnd_ - windowStart_) / 1e9;
    const double p50 = percentileUs(0.50);
    const double p99 = percentileUs(0.99);
    std::printf(
        "{\"mode\": \"%s\", \"connections\": %zu, \"verified\": %llu, \"bytes\": %llu, "
        "\"seconds\": %.6f, \"msgs_per_s\": %.1f, \"mb_per_s\": %.3f, \"p50_us\": %.2f, "
        "\"p99_us\": %.2f, \"server_user_s\": %.3f, \"server_sys_s\": %.3f, "
        "\"client_cpu_s\": %.3f, \"server_sleeps\": %ld}\n",
        mode, conns_.size(), static_cast<unsigned long long>(messages_),
        static_cast<unsigned long long>(bytes_), seconds, static_cast<double>(messages_) / seconds,
        static_cast<double>(bytes_) / seconds / 1e6, p50, p99, cpuEnd_.user - cpuStart_.user,
        cpuEnd_.sys - cpuStart_.sys, selfCpuEnd_ - selfCpuStart_,
        sleepsStart_ < 0 || sleepsEnd_ < 0 ? -1L : sleepsEnd_ - sleepsStart_);
  }

  Options options_;
  int epoll_ = -1;
  std::vector<Conn> conns_;
  std::vector<char> readBuffer_;
  std::vector<char> pattern_;
  std::vector<std::uint32_t> samples_;  // round trips in ns, in the window
  std::size_t opened_ = 0;
  int opening_ = 0;
  std::size_t established_ = 0;
  std::size_t inFlight_ = 0;       // pingpong messages sent and not yet fully echoed
  std::uint64_t outstanding_ = 0;  // stream bytes sent and not yet echoed
  Phase phase_ = Phase::kSetup;
  std::int64_t phaseEnd_ = 0;
  std::int64_t hardDeadline_ = 0;
  std::int64_t windowStart_ = 0;
  std::int64_t windowEnd_ = 0;
  ServerCpu cpuStart_;
  ServerCpu cpuEnd_;
  long sleepsStart_ = -1;  // the server's voluntary context switches: how often it blocked
  long sleepsEnd_ = -1;
  double selfCpuStart_ = 0;
  double selfCpuEnd_ = 0;
  std::uint64_t messages_ = 0;
  std::uint64_t bytes_ = 0;
  long rssBefore_ = -1;
  long rssAfter_ = -1;
};

[[noreturn]] void usage(const char* problem) {
  std::fprintf(stderr,
               "echo_load: %s\n"
               "usage: echo_load --port N [--mode pingpong|stream|idle] [--connections N]\n"
               "         [--size BYTES] [--chunk BYTES] [--window BYTES] [--warmup S]\n"
               "         [--duration S] [--timeout S] [--server-pid PID] [--sync] [--host IP]\n",
               problem);
  std::exit(2);
}

Mode parseMode(std::string_view name) {
  if (name == "pingpong") {
    return Mode::kPingPong;
  }
  if (name == "stream") {
    return Mode::kStream;
  }
  if (name == "idle") {
    return Mode::kIdle;
  }
  usage("unknown --mode");
}

double parseNumber(const char* text, const char* option) {
  char* end = nullptr;
  const double value = std::strtod(text, &end);
  if (end == text || *end != '\0' || !(value >= 0)) {
    usage((std::string("bad value for ") + option).c_str());
  }
  return value;
}

Options parseOptions(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--sync") {
      options.sync = true;
      continue;
    }
    if (i + 1 >= argc) {
      usage("missing value");
    }
    const char* value = argv[++i];
    if (arg == "--port") {
      options.port = static_cast<std::uint16_t>(parseNumber(value, "--port"));
    } else if (arg == "--host") {
      options.host = value;
    } else if (arg == "--mode") {
      options.mode = parseMode(value);
    } else if (arg == "--connections") {
      options.connections = static_cast<int>(parseNumber(value, "--connections"));
    } else if (arg == "--size") {
      options.size = static_cast<std::size_t>(parseNumber(value, "--size"));
    } else if (arg == "--chunk") {
      options.chunk = static_cast<std::size_t>(parseNumber(value, "--chunk"));
    } else if (arg == "--window") {
      options.window = static_cast<std::size_t>(parseNumber(value, "--window"));
    } else if (arg == "--warmup") {
      options.warmup = parseNumber(value, "--warmup");
    } else if (arg == "--duration") {
      options.duration = parseNumber(value, "--duration");
    } else if (arg == "--timeout") {
      options.timeout = parseNumber(value, "--timeout");
    } else if (arg == "--server-pid") {
      options.serverPid = static_cast<int>(parseNumber(value, "--server-pid"));
    } else {
      usage("unknown option");
    }
  }
  if (options.port == 0 || options.connections < 1 || options.size < 1 || options.chunk < 1 ||
      options.chunk > kPatternPeriod || options.window < options.chunk) {
    usage("need --port, --connections >= 1, --size >= 1, 1 <= --chunk <= --window");
  }
  return options;
}

}  // namespace

int main(int argc, char** argv) {
  const Options options = parseOptions(argc, argv);
  // One descriptor per connection plus a few; the hard timeout also covers a blocked --sync read.
  torsion::bench::raiseFdLimit(static_cast<rlim_t>(options.connections) + 64);
  alarm(static_cast<unsigned>(std::ceil(options.timeout)) + 5);
  LoadGenerator generator(options);
  return generator.run();
}
