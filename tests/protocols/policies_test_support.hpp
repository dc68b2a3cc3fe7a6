#pragma once

// Helpers for the tests of the connection policies, ReconnectingClientFactory and FileSender.

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <torsion/deferred/failure.hpp>
#include <torsion/deferred/ilog_observer.hpp>
#include <torsion/deferred/log_event.hpp>
#include <torsion/deferred/log_publisher.hpp>
#include <torsion/transports/address.hpp>
#include <torsion/transports/factory.hpp>
#include <torsion/transports/iconnector.hpp>
#include <torsion/transports/protocol.hpp>

namespace torsion::test {

/// What a Recorder saw.
struct Record {
  int made = 0;
  int lost = 0;
  int destroyed = 0;
  std::string received;
  std::optional<Failure> reason;
};

/// A protocol that records its hooks into a Record the test owns; `onMade`/`onData` add
/// behaviour.
class Recorder : public Protocol {
 public:
  explicit Recorder(Record& record) : record_(record) {}

  ~Recorder() override { ++record_.destroyed; }

  Recorder(const Recorder&) = delete;
  Recorder& operator=(const Recorder&) = delete;
  Recorder(Recorder&&) = delete;
  Recorder& operator=(Recorder&&) = delete;

  void connectionMade() override {
    ++record_.made;
    if (onMade) {
      onMade(*this);
    }
  }

  void dataReceived(std::string_view data) override {
    record_.received.append(data);
    if (onData) {
      onData(*this, data);
    }
  }

  void connectionLost(const Failure& reason) override {
    ++record_.lost;
    record_.reason.emplace(reason);
  }

  std::function<void(Recorder&)> onMade;
  std::function<void(Recorder&, std::string_view)> onData;

 private:
  Record& record_;
};

/// A factory of Recorders that all record into `record`; `setup` configures each.
inline std::shared_ptr<Factory> recorderFactory(Record& record,
                                                std::function<void(Recorder&)> setup = {}) {
  return Factory::fromFunction(
      [&record, setup = std::move(setup)](const Address&) -> std::unique_ptr<Protocol> {
        auto p = std::make_unique<Recorder>(record);
        if (setup) {
          setup(*p);
        }
        return p;
      });
}

/// An IConnector that only records (Twisted's test FakeConnector); `onStopConnecting` adds
/// behaviour.
class RecordingConnector final : public IConnector {
 public:
  void stopConnecting() override {
    ++stops;
    if (onStopConnecting) {
      onStopConnecting();
    }
  }

  void disconnect() override { ++disconnects; }

  void connect() override { ++connects; }

  [[nodiscard]] Address getDestination() const override { return Address::ipv4("127.0.0.1", 7); }

  int stops = 0;
  int disconnects = 0;
  int connects = 0;
  std::function<void()> onStopConnecting;
};

/// Collects the messages logged to the global publisher while it lives.
class LogCapture final : public ILogObserver {
 public:
  LogCapture() : scope_(globalLogPublisher(), *this) {}

  void observe(const LogEvent& event) override { messages.push_back(event.message); }

  /// True if a message containing `text` was logged.
  [[nodiscard]] bool contains(std::string_view text) const {
    for (const auto& m : messages) {
      if (m.find(text) != std::string::npos) {
        return true;
      }
    }
    return false;
  }

  std::vector<std::string> messages;

 private:
  ScopedLogObserver scope_;
};

}  // namespace torsion::test
