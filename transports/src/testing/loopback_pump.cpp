#include <algorithm>
#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include <torsion/reactor/clock.hpp>
#include <torsion/testing/loopback_pump.hpp>

namespace torsion::testing {

namespace {

LoopbackOptions checked(LoopbackOptions options) {
  if (options.bufferLimit && *options.bufferLimit == 0) {
    throw ValueError("LoopbackOptions: bufferLimit must be greater than 0 (unset means unlimited)");
  }
  if (options.lowWatermark > options.highWatermark) {
    throw ValueError(fmt::format("LoopbackOptions: lowWatermark {} exceeds highWatermark {}",
                                 options.lowWatermark, options.highWatermark));
  }
  if (options.maxSteps == 0) {
    throw ValueError("LoopbackOptions: maxSteps must be greater than 0");
  }
  return options;
}

template <class T>
std::unique_ptr<T> nonNull(std::unique_ptr<T> p, const char* what) {
  if (!p) {
    throw ValueError(fmt::format("LoopbackPump: the {} is null", what));
  }
  return p;
}

std::unique_ptr<Protocol> build(Factory* factory, const Address& peer, const char* what) {
  if (factory == nullptr) {
    throw ValueError(fmt::format("connectedServerAndClient: the {} factory is null", what));
  }
  std::unique_ptr<Protocol> protocol = factory->buildProtocol(peer);
  if (!protocol) {
    throw ValueError(fmt::format(
        "connectedServerAndClient: the {} factory refused the connection (buildProtocol "
        "returned null for peer {})",
        what, peer.toString()));
  }
  return protocol;
}

// Clears the re-entrancy flag however a step ends.
class SteppingScope {
 public:
  explicit SteppingScope(bool& flag) : flag_(&flag) { *flag_ = true; }

  ~SteppingScope() { *flag_ = false; }

  SteppingScope(const SteppingScope&) = delete;
  SteppingScope& operator=(const SteppingScope&) = delete;
  SteppingScope(SteppingScope&&) = delete;
  SteppingScope& operator=(SteppingScope&&) = delete;

 private:
  bool* flag_;
};

}  // namespace

LoopbackPump::LoopbackPump(LoopbackOptions options, std::shared_ptr<Factory> serverFactory,
                           std::shared_ptr<Factory> clientFactory,
                           std::unique_ptr<Protocol> ownedServer,
                           std::unique_ptr<Protocol> ownedClient)
    : options_(checked(std::move(options))),
      rng_(options_.chunking.seed()),
      serverFactory_(std::move(serverFactory)),
      clientFactory_(std::move(clientFactory)),
      ownedServer_(std::move(ownedServer)),
      ownedClient_(std::move(ownedClient)),
      serverTransport_(*this, options_.serverAddress, options_.clientAddress),
      clientTransport_(*this, options_.clientAddress, options_.serverAddress) {}

LoopbackPump::LoopbackPump(Protocol& server, Protocol& client, LoopbackOptions options)
    : LoopbackPump(std::move(options), nullptr, nullptr, nullptr, nullptr) {
  connect(server, client);
}

LoopbackPump::LoopbackPump(std::unique_ptr<Protocol> server, std::unique_ptr<Protocol> client,
                           LoopbackOptions options)
    : LoopbackPump(std::move(options), nullptr, nullptr,
                   nonNull(std::move(server), "server protocol"),
                   nonNull(std::move(client), "client protocol")) {
  connect(*ownedServer_, *ownedClient_);
}

LoopbackPump::LoopbackPump(std::shared_ptr<Factory> server, std::shared_ptr<ClientFactory> client,
                           LoopbackOptions options)
    : LoopbackPump(std::move(options), std::move(server), std::move(client), nullptr, nullptr) {
  // Built here, after the options were checked; if a factory refuses, the destructor (which
  // runs for a delegating constructor that completed) has nothing to detach.
  ownedServer_ = build(serverFactory_.get(), options_.clientAddress, "server");
  ownedClient_ = build(clientFactory_.get(), options_.serverAddress, "client");
  connect(*ownedServer_, *ownedClient_);
}

LoopbackPump::~LoopbackPump() {
  // Run no hook from a destructor: only make sure no protocol keeps a dangling transport().
  serverTransport_.detach();
  clientTransport_.detach();
}

void LoopbackPump::connect(Protocol& server, Protocol& client) {
  server_ = &server;
  client_ = &client;
  serverTransport_.attach(server, clientTransport_);
  clientTransport_.attach(client, serverTransport_);
  serverTransport_.start();
  clientTransport_.start();
}

std::size_t LoopbackPump::nextPieceSize(std::size_t available, std::size_t frontChunk) {
  switch (options_.chunking.kind()) {
    case Chunking::Kind::kWholeWrites:
      return frontChunk;
    case Chunking::Kind::kOneByte:
      return 1;
    case Chunking::Kind::kRandomSplits:
      // mt19937's output is fixed by the standard (uniform_int_distribution's is not), so the
      // modulo keeps the cuts identical across standard libraries.
      {
        const std::size_t draw = rng_();
        return 1 + draw % available;
      }
  }
  return frontChunk;
}

bool LoopbackPump::flush() {
  if (stepping_) {
    throw Error("LoopbackPump::flush: called from inside a hook the pump is running");
  }
  const SteppingScope scope(stepping_);
  const std::uint64_t before = activity_;
  serverTransport_.transmit();
  clientTransport_.transmit();
  serverTransport_.receive();
  clientTransport_.receive();
  serverTransport_.deliverEnding();
  clientTransport_.deliverEnding();
  serverTransport_.finishCloseIfDue();
  clientTransport_.finishCloseIfDue();
  return activity_ != before;
}

bool LoopbackPump::runDueCalls() {
  if (options_.clock == nullptr) {
    return false;
  }
  const double now = options_.clock->seconds();
  const std::vector<DelayedCall> calls = options_.clock->getDelayedCalls();
  if (std::none_of(calls.begin(), calls.end(),
                   [now](const DelayedCall& call) { return call.getTime() <= now; })) {
    return false;
  }
  options_.clock->advance(Seconds{0});
  return true;
}

void LoopbackPump::pump() {
  if (stepping_) {
    throw Error("LoopbackPump::pump: called from inside a hook the pump is running");
  }
  for (std::size_t step = 0; step < options_.maxSteps; ++step) {
    if (!flush() && !runDueCalls()) {
      return;
    }
  }
  throw PumpLimitExceeded(fmt::format(
      "LoopbackPump::pump: still busy after {} steps (maxSteps): do the two protocols answer "
      "each other forever, or does a pull producer never unregister? Server unsent {} in "
      "flight {}, client unsent {} in flight {}",
      options_.maxSteps, serverTransport_.unsentBytes(), serverTransport_.inFlightBytes(),
      clientTransport_.unsentBytes(), clientTransport_.inFlightBytes()));
}

void LoopbackPump::advance(Seconds amount) {
  Clock* clock = options_.clock;
  if (clock == nullptr) {
    throw ValueError("LoopbackPump::advance: no clock (set LoopbackOptions::clock)");
  }
  if (std::isnan(amount.count()) || amount.count() < 0) {
    throw ValueError(
        fmt::format("LoopbackPump::advance: amount {} s is negative or NaN", amount.count()));
  }
  const double target = clock->seconds() + amount.count();
  pump();
  for (std::size_t step = 0; step < options_.maxSteps; ++step) {
    const std::vector<DelayedCall> calls = clock->getDelayedCalls();
    const auto next = std::min_element(
        calls.begin(), calls.end(),
        [](const DelayedCall& a, const DelayedCall& b) { return a.getTime() < b.getTime(); });
    if (next == calls.end() || next->getTime() > target) {
      if (clock->seconds() < target) {
        clock->advance(Seconds{target - clock->seconds()});
      }
      pump();
      return;
    }
    clock->advanceToNext();
    pump();
  }
  throw PumpLimitExceeded(
      fmt::format("LoopbackPump::advance: more than {} timer deadlines before {} s (maxSteps)",
                  options_.maxSteps, target));
}

std::unique_ptr<LoopbackPump> connectedServerAndClient(std::shared_ptr<Factory> server,
                                                       std::shared_ptr<ClientFactory> client,
                                                       LoopbackOptions options) {
  return std::make_unique<LoopbackPump>(std::move(server), std::move(client), std::move(options));
}

std::unique_ptr<LoopbackPump> connectedServerAndClient(std::unique_ptr<Protocol> server,
                                                       std::unique_ptr<Protocol> client,
                                                       LoopbackOptions options) {
  return std::make_unique<LoopbackPump>(std::move(server), std::move(client), std::move(options));
}

}  // namespace torsion::testing
