#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>

#include <torsion/deferred/logger.hpp>
#include <torsion/protocols/wrapping_factory.hpp>
#include <torsion/reactor/delayed_call.hpp>
#include <torsion/reactor/ireactor_time.hpp>
#include <torsion/transports/address.hpp>
#include <torsion/transports/factory.hpp>
#include <torsion/transports/protocol.hpp>

namespace torsion {

/// How a ThrottlingFactory limits its connections. Every field has a default: no limit.
struct ThrottlingOptions {
  /// Connections past this many are refused (Twisted's `maxConnectionCount`).
  std::size_t maxConnectionCount = std::numeric_limits<std::size_t>::max();

  /// Bytes per second all connections together may read (Twisted's `readLimit`); unset: any.
  std::optional<std::uint64_t> readLimit;

  /// Bytes per second all connections together may write (Twisted's `writeLimit`); unset: any.
  /// Enforced only on connections whose protocol registered a push producer.
  std::optional<std::uint64_t> writeLimit;
};

/// Throttles the bandwidth and the number of connections of the factory it wraps (Twisted's
/// `policies.ThrottlingFactory`).
///
/// Each protocol is wrapped in a ThrottlingProtocol that counts what it reads and writes into
/// per-second totals shared by all connections. Once a second (a timer on the clock given at
/// construction, running while at least one connection is up, first started by the first
/// connection) the factory checks each total against its limit: if `n` bytes were read against
/// a limit of `L`, it pauses reading on every connection for `n / L - 1` seconds, so that the
/// average rate comes back to `L`, and resets the total. Writes work the same way, pausing each
/// connection's registered push producer. A burst can therefore exceed the limit for up to a
/// second before the pause that pays it back, exactly as in Twisted. Connections past
/// `maxConnectionCount` are refused (nullptr: the transport closes them at once) with an info
/// line under "torsion.protocols.policies"; throttling is logged at debug level.
///
/// Example:
///     torsion::ThrottlingOptions limits;
///     limits.readLimit = 64 * 1024;    // bytes per second, all connections together
///     limits.writeLimit = 64 * 1024;
///     auto throttled = std::make_shared<torsion::ThrottlingFactory>(
///         reactor, torsion::Factory::forProtocol<Echo>(), limits);
///     reactor.listenTCP(8000, throttled);
///
/// Ownership: as WrappingFactory (make it with `std::make_shared`). Refers to `clock`, which
/// must outlive it; its timers capture `this` and are cancelled when the last connection goes
/// and by its destructor.
/// Thread: the reactor's thread only.
class ThrottlingFactory final : public WrappingFactory {
 public:
  /// Throttles `wrappedFactory`'s connections as `options` says, timed by `clock`.
  /// @throws ValueError if `wrappedFactory` is null, or a limit is 0.
  ThrottlingFactory(IReactorTime& clock, std::shared_ptr<Factory> wrappedFactory,
                    ThrottlingOptions options = {});

  /// Cancels the timers.
  ~ThrottlingFactory() override;

  ThrottlingFactory(const ThrottlingFactory&) = delete;
  ThrottlingFactory& operator=(const ThrottlingFactory&) = delete;
  ThrottlingFactory(ThrottlingFactory&&) = delete;
  ThrottlingFactory& operator=(ThrottlingFactory&&) = delete;

  /// A ThrottlingProtocol around the wrapped factory's protocol, or nullptr (logged) past
  /// `maxConnectionCount`.
  std::unique_ptr<Protocol> buildProtocol(const Address& addr) override;

  /// Starts the per-second checks with the first connection.
  void registerProtocol(ProtocolWrapper& protocol) override;

  /// Stops the checks and any pending unthrottle when the last connection goes.
  void unregisterProtocol(ProtocolWrapper& protocol) noexcept override;

  /// Adds `length` bytes to this second's read total. Called by ThrottlingProtocol.
  void registerRead(std::size_t length) noexcept { readThisSecond_ += length; }

  /// Adds `length` bytes to this second's write total. Called by ThrottlingProtocol.
  void registerWritten(std::size_t length) noexcept { writtenThisSecond_ += length; }

  /// Bytes read since the last check (Twisted's `readThisSecond`).
  [[nodiscard]] std::uint64_t readThisSecond() const noexcept { return readThisSecond_; }

  /// Bytes written since the last check (Twisted's `writtenThisSecond`).
  [[nodiscard]] std::uint64_t writtenThisSecond() const noexcept { return writtenThisSecond_; }

  /// How many connections are up now (Twisted's `connectionCount`).
  [[nodiscard]] std::size_t connectionCount() const noexcept { return protocols().size(); }

  /// The limits in force.
  [[nodiscard]] const ThrottlingOptions& options() const noexcept { return options_; }

 protected:
  std::unique_ptr<ProtocolWrapper> wrapProtocol(std::unique_ptr<Protocol> wrapped) override;

 private:
  void checkReadBandwidth();
  void checkWriteBandwidth();
  void throttleReads();
  void unthrottleReads();
  void throttleWrites();
  void unthrottleWrites();
  void stopTimers() noexcept;
  /// Schedules `fn` on `call` after `delay`, unless `call` is already due later.
  void scheduleUnthrottle(DelayedCall& call, double delay, void (ThrottlingFactory::*fn)());

  IReactorTime& clock_;
  ThrottlingOptions options_;
  std::uint64_t readThisSecond_ = 0;
  std::uint64_t writtenThisSecond_ = 0;
  DelayedCall checkReadCall_;
  DelayedCall checkWriteCall_;
  DelayedCall unthrottleReadsCall_;
  DelayedCall unthrottleWritesCall_;
  Logger log_{"torsion.protocols.policies"};
};

}  // namespace torsion
