// UDP: echo, connected mode, refusal, multicast options.
#include <memory>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include <torsion/transports/datagram_protocol.hpp>

#include "transports_test_support.hpp"

using namespace torsion;        // NOLINT(google-build-using-namespace): test file
using namespace torsion::test;  // NOLINT(google-build-using-namespace): test file

namespace {

class UdpEcho final : public DatagramProtocol {
 public:
  void datagramReceived(std::string_view data, const Address& from) override {
    transport()->write(data, from);
  }
};

// Records datagrams, refusals and the start/stop hooks.
class UdpRecorder final : public DatagramProtocol {
 public:
  struct Log {
    std::vector<std::string> datagrams;
    std::vector<Address> senders;
    int started = 0;
    int stopped = 0;
    int refused = 0;
    bool transportDuringStop = false;
  };

  explicit UdpRecorder(Log& log) : log_(log) {}

  void startProtocol() override {
    ++log_.started;
    if (onStart) {
      onStart(*this);
    }
  }

  void stopProtocol() override {
    ++log_.stopped;
    log_.transportDuringStop = transport() != nullptr;
  }

  void datagramReceived(std::string_view data, const Address& from) override {
    log_.datagrams.emplace_back(data);
    log_.senders.push_back(from);
    if (onDatagram) {
      onDatagram(*this);
    }
  }

  void connectionRefused() override {
    ++log_.refused;
    if (onRefused) {
      onRefused(*this);
    }
  }

  std::function<void(UdpRecorder&)> onStart;
  std::function<void(UdpRecorder&)> onDatagram;
  std::function<void(UdpRecorder&)> onRefused;

 private:
  Log& log_;
};

}  // namespace

TEST_CASE("A UDP echo server answers each datagram to its sender", "[transports][udp]") {
  UdpRecorder::Log log;
  Harness h(anyBackend());
  IUDPTransport& server = h.reactor.listenUDP(0, std::make_unique<UdpEcho>(), "127.0.0.1");
  const Address serverAddress = server.getHost();
  REQUIRE(serverAddress.port() != 0);
  auto client = std::make_unique<UdpRecorder>(log);
  client->onStart = [serverAddress](UdpRecorder& self) {
    self.transport()->write("one", serverAddress);
    self.transport()->write("two", serverAddress);
  };
  client->onDatagram = [&h, &log](UdpRecorder&) {
    if (log.datagrams.size() == 2) {
      h.stop();
    }
  };
  h.reactor.listenUDP(0, std::move(client), "127.0.0.1");
  h.run();
  CHECK(log.datagrams == std::vector<std::string>{"one", "two"});
  CHECK(log.senders.at(0) == serverAddress);
  CHECK(log.started == 1);
  CHECK(log.stopped == 1);
  CHECK(log.transportDuringStop);
}

TEST_CASE("Connected UDP writes without an address and rejects addressed writes",
          "[transports][udp]") {
  UdpRecorder::Log log;
  Harness h(anyBackend());
  IUDPTransport& server = h.reactor.listenUDP(0, std::make_unique<UdpEcho>(), "127.0.0.1");
  const std::uint16_t serverPort = server.getHost().port();
  auto client = std::make_unique<UdpRecorder>(log);
  client->onStart = [serverPort](UdpRecorder& self) {
    CHECK_THROWS_AS(self.transport()->write("x"), ValueError);
    self.transport()->connect("127.0.0.1", serverPort);
    CHECK_THROWS_AS(self.transport()->connect("127.0.0.1", serverPort), ValueError);
    CHECK_THROWS_AS(self.transport()->write("x", Address::ipv4("127.0.0.1", serverPort)),
                    ValueError);
    CHECK(self.transport()->write("connected"));
  };
  client->onDatagram = [&h](UdpRecorder&) { h.stop(); };
  h.reactor.listenUDP(0, std::move(client), "127.0.0.1");
  h.run();
  CHECK(log.datagrams == std::vector<std::string>{"connected"});
}

TEST_CASE("A connected UDP port hears connectionRefused when nobody listens", "[transports][udp]") {
  UdpRecorder::Log log;
  Harness h(anyBackend());
  // Find a free port, then close it so datagrams to it are refused.
  std::uint16_t deadPort = 0;
  {
    UdpRecorder::Log scratch;
    Reactor other(quietOptions(ReactorBackend::kPoll));
    deadPort =
        other.listenUDP(0, std::make_unique<UdpRecorder>(scratch), "127.0.0.1").getHost().port();
  }
  auto client = std::make_unique<UdpRecorder>(log);
  client->onStart = [deadPort](UdpRecorder& self) {
    self.transport()->connect("127.0.0.1", deadPort);
    self.transport()->write("anyone?");
  };
  client->onRefused = [&h](UdpRecorder&) { h.stop(); };
  h.reactor.callLater(2s, [&h] { h.stop(); });
  h.reactor.listenUDP(0, std::move(client), "127.0.0.1");
  h.run();
  CHECK(log.refused >= 1);
}

TEST_CASE(
    "Multicast options can be set and read back, and joining a group works or fails "
    "with MulticastJoinError",
    "[transports][udp][multicast]") {
  UdpRecorder::Log log;
  Harness h(anyBackend());
  auto recorder = std::make_unique<UdpRecorder>(log);
  recorder->onDatagram = [&h](UdpRecorder& self) {
    // Only a joined port hears the group; leave while the port is alive (it dies at shutdown).
    CHECK_NOTHROW(self.transport()->leaveGroup("239.255.42.99", "127.0.0.1"));
    h.stop();
  };
  IMulticastTransport& port = h.reactor.listenMulticast(0, std::move(recorder), "", 8192, true);
  port.setTTL(5);
  CHECK(port.getTTL() == 5);
  port.setLoopbackMode(false);
  CHECK_FALSE(port.getLoopbackMode());
  port.setLoopbackMode(true);
  CHECK(port.getLoopbackMode());
  port.setOutgoingInterface("127.0.0.1");
  CHECK(port.getOutgoingInterface() == "127.0.0.1");
  CHECK_THROWS_AS(port.setOutgoingInterface("not an address"), ValueError);
  port.setBroadcastAllowed(true);
  CHECK(port.getBroadcastAllowed());
  CHECK_THROWS_AS(port.joinGroup("not a group"), MulticastJoinError);
  // Joining on loopback needs a multicast-capable interface; a sandbox may lack one. Either the
  // join works and a datagram to the group comes back to us, or it fails with a typed error.
  bool joined = false;
  try {
    port.joinGroup("239.255.42.99", "127.0.0.1");
    joined = true;
  } catch (const MulticastJoinError& e) {
    WARN("joining a multicast group on loopback failed here: " << e.what());
  }
  if (joined) {
    port.write("to the group", Address::ipv4("239.255.42.99", port.getHost().port()));
    h.reactor.callLater(1s, [&h] { h.stop(); });
    h.run();
    if (log.datagrams.empty()) {
      WARN("joined the group, but no looped-back datagram arrived (no multicast route)");
    } else {
      CHECK(log.datagrams.front() == "to the group");
    }
  } else {
    h.reactor.callLater(0s, [&h] { h.stop(); });
    h.run();
  }
}

TEST_CASE("Stopping a UDP port runs stopProtocol and then the completion callback",
          "[transports][udp]") {
  UdpRecorder::Log log;
  Harness h(anyBackend());
  IUDPTransport& port = h.reactor.listenUDP(0, std::make_unique<UdpRecorder>(log), "127.0.0.1");
  int stoppedBeforeCallback = -1;
  h.reactor.callLater(10ms, [&] {
    port.stopListening([&] {
      stoppedBeforeCallback = log.stopped;
      h.stop();
    });
  });
  h.run();
  CHECK(stoppedBeforeCallback == 1);
  CHECK(log.started == 1);
}
