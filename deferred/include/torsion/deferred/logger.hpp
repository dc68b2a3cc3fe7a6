#pragma once

#include <chrono>
#include <exception>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include <torsion/deferred/log_event.hpp>
#include <torsion/deferred/log_publisher.hpp>

namespace torsion {

/// Emits structured log events under one namespace (Twisted's `twisted.logger.Logger`).
///
/// Messages are fmt format strings checked at compile time; structured fields ride along:
///
/// Example:
///     Logger log{"torsion.reactor"};
///     log.info("listening on port {}", port);
///     log.emit(LogLevel::kWarn, "accept failed", {{"errno", "EMFILE"}});
///
/// Ownership: refers to its publisher, which must outlive it (the global one always does).
/// Thread: safe to use from any thread.
class Logger {
 public:
  explicit Logger(std::string logNamespace, LogPublisher& publisher = globalLogPublisher())
      : namespace_(std::move(logNamespace)), publisher_(&publisher) {}

  /// The namespace events carry.
  [[nodiscard]] const std::string& logNamespace() const noexcept { return namespace_; }

  /// True when an event at `level` would be delivered.
  [[nodiscard]] bool enabled(LogLevel level) const noexcept { return publisher_->enabled(level); }

  /// Publishes an event with an already formatted message and optional fields.
  void emit(LogLevel level, std::string message, std::vector<LogField> fields = {}) const;

  template <class... A>
  void debug(fmt::format_string<A...> format, A&&... args) const {
    log(LogLevel::kDebug, format, std::forward<A>(args)...);
  }

  template <class... A>
  void info(fmt::format_string<A...> format, A&&... args) const {
    log(LogLevel::kInfo, format, std::forward<A>(args)...);
  }

  template <class... A>
  void warn(fmt::format_string<A...> format, A&&... args) const {
    log(LogLevel::kWarn, format, std::forward<A>(args)...);
  }

  template <class... A>
  void error(fmt::format_string<A...> format, A&&... args) const {
    log(LogLevel::kError, format, std::forward<A>(args)...);
  }

  template <class... A>
  void critical(fmt::format_string<A...> format, A&&... args) const {
    log(LogLevel::kCritical, format, std::forward<A>(args)...);
  }

  /// Logs the exception in `error` at error level, as "<context>: <what>", with the fields
  /// `origin` (= context) and `exception` (its type name). Used wherever torsion catches a user
  /// callback's exception so that the loop can go on (STYLE.md rule 23).
  void failure(std::string_view context, const std::exception_ptr& error) const;

 private:
  template <class... A>
  void log(LogLevel level, fmt::format_string<A...> format, A&&... args) const {
    if (enabled(level)) {
      emit(level, fmt::format(format, std::forward<A>(args)...));
    }
  }

  std::string namespace_;
  LogPublisher* publisher_;
};

/// The type name and message of an exception: ("std::runtime_error", "boom").
/// A non-std exception gives ("unknown exception", "").
struct ExceptionDescription {
  std::string typeName;
  std::string what;
};

/// Describes the exception `error` holds; never throws.
[[nodiscard]] ExceptionDescription describeException(const std::exception_ptr& error) noexcept;

}  // namespace torsion
