#include <algorithm>
#include <utility>

#include <fmt/format.h>

#include <torsion/deferred/error.hpp>
#include <torsion/testing/fake_datagram_port.hpp>
#include <torsion/testing/memory_reactor.hpp>
#include <torsion/transports/errors.hpp>

#include "protocol_access.hpp"

namespace torsion::testing {

FakeDatagramPort::FakeDatagramPort(MemoryReactor& reactor, Address host,
                                   std::unique_ptr<DatagramProtocol> protocol,
                                   std::size_t maxPacketSize)
    : reactor_(reactor),
      host_(std::move(host)),
      protocol_(std::move(protocol)),
      maxPacketSize_(maxPacketSize) {
  if (!protocol_) {
    throw ValueError("MemoryReactor: a UDP port needs a DatagramProtocol, got null");
  }
}

FakeDatagramPort::~FakeDatagramPort() = default;

void FakeDatagramPort::start() {
  // Queued by the reactor: startProtocol runs on a later turn, as on the real port.
  reactor_.callSoon([this] {
    if (!listening_ || started_) {
      return;
    }
    started_ = true;
    detail::ProtocolAccess::attach(*protocol_, this);
    protocol_->startProtocol();
  });
}

void FakeDatagramPort::stopListening(UniqueFunction<void()> onStopped) {
  if (!listening_) {
    return;
  }
  listening_ = false;
  reactor_.callSoon([this, onStopped = std::move(onStopped)]() mutable {
    if (started_) {
      started_ = false;
      protocol_->stopProtocol();
      detail::ProtocolAccess::attach(*protocol_, nullptr);
    }
    if (onStopped) {
      onStopped();
    }
  });
}

void FakeDatagramPort::record(std::string_view datagram, const Address& to) {
  if (datagram.size() > kMaxDatagram) {
    throw MessageLengthError(
        fmt::format("a datagram of {} bytes is longer than {}", datagram.size(), kMaxDatagram));
  }
  written_.push_back(SentDatagram{std::string(datagram), to});
}

bool FakeDatagramPort::write(std::string_view datagram, const Address& addr) {
  if (peer_) {
    throw ValueError(fmt::format("write to {}: the port is connected to {}; use write(datagram)",
                                 addr.toString(), peer_->toString()));
  }
  record(datagram, addr);
  return true;
}

bool FakeDatagramPort::write(std::string_view datagram) {
  if (!peer_) {
    throw ValueError("write(datagram): the port is not connected; give an address");
  }
  record(datagram, *peer_);
  return true;
}

void FakeDatagramPort::connect(const std::string& host, std::uint16_t port) {
  if (peer_) {
    throw ValueError(
        fmt::format("connect to {}:{}: already connected to {}", host, port, peer_->toString()));
  }
  peer_ =
      host.find(':') != std::string::npos ? Address::ipv6(host, port) : Address::ipv4(host, port);
}

void FakeDatagramPort::joinGroup(const std::string& group, const std::string& interface) {
  auto entry = std::make_pair(group, interface);
  if (std::find(groups_.begin(), groups_.end(), entry) != groups_.end()) {
    throw MulticastJoinError(fmt::format("joinGroup {}: already joined", group));
  }
  groups_.push_back(std::move(entry));
}

void FakeDatagramPort::leaveGroup(const std::string& group, const std::string& interface) {
  const auto it = std::find(groups_.begin(), groups_.end(), std::make_pair(group, interface));
  if (it == groups_.end()) {
    throw MulticastJoinError(fmt::format("leaveGroup {}: not joined", group));
  }
  groups_.erase(it);
}

void FakeDatagramPort::receive(std::string_view datagram, const Address& from) {
  protocol_->datagramReceived(datagram.substr(0, maxPacketSize_), from);
}

}  // namespace torsion::testing
