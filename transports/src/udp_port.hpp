#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include <torsion/deferred/unique_function.hpp>
#include <torsion/reactor/delayed_call.hpp>
#include <torsion/reactor/ireactor_fdset.hpp>
#include <torsion/reactor/unique_fd.hpp>
#include <torsion/transports/datagram_protocol.hpp>
#include <torsion/transports/iudp_transport.hpp>

#include "transports.hpp"

namespace torsion::detail {

/// A bound UDP socket and the DatagramProtocol it owns.
class UdpPort final : public IMulticastTransport, public IReadDescriptor, public Selectable {
 public:
  /// Datagrams per readiness event.
  static constexpr int kReadBudget = 32;

  UdpPort(Transports& owner, UniqueFd fd, AddressFamily family,
          std::unique_ptr<DatagramProtocol> protocol, std::size_t maxPacketSize);
  ~UdpPort() override;

  UdpPort(const UdpPort&) = delete;
  UdpPort& operator=(const UdpPort&) = delete;
  UdpPort(UdpPort&&) = delete;
  UdpPort& operator=(UdpPort&&) = delete;

  /// Schedules startProtocol and reading.
  void start();

  // IListeningPort
  void stopListening(UniqueFunction<void()> onStopped) override;
  [[nodiscard]] Address getHost() const override;

  // IUDPTransport
  bool write(std::string_view datagram, const Address& addr) override;
  bool write(std::string_view datagram) override;
  void connect(const std::string& host, std::uint16_t port) override;
  void setBroadcastAllowed(bool enabled) override;
  [[nodiscard]] bool getBroadcastAllowed() const override;

  // IMulticastTransport
  void joinGroup(const std::string& group, const std::string& interface) override;
  void leaveGroup(const std::string& group, const std::string& interface) override;
  void setTTL(int ttl) override;
  [[nodiscard]] int getTTL() const override;
  void setLoopbackMode(bool enabled) override;
  [[nodiscard]] bool getLoopbackMode() const override;
  void setOutgoingInterface(const std::string& interface) override;
  [[nodiscard]] std::string getOutgoingInterface() const override;

  // IReadDescriptor
  [[nodiscard]] int fileno() const override { return fd_.get(); }

  void doRead() override;

  // Selectable
  void shutDown() override;

 private:
  bool sendResult(ssize_t n);
  void refused();
  void changeMembership(const std::string& group, const std::string& interface, bool join);
  void finishStop();
  void stopReading() noexcept;

  Transports& owner_;
  UniqueFd fd_;
  AddressFamily family_;
  std::unique_ptr<DatagramProtocol> protocol_;
  std::vector<char> packet_;
  bool connected_ = false;
  bool started_ = false;
  bool stopping_ = false;
  bool reading_ = false;
  UniqueFunction<void()> onStopped_;
  DelayedCall startCall_;
  DelayedCall stopCall_;
  DelayedCall refusedCall_;
};

}  // namespace torsion::detail
