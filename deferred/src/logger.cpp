#include <chrono>
#include <exception>
#include <memory>
#include <string>
#include <typeinfo>

#include <cxxabi.h>

#include <torsion/deferred/logger.hpp>

namespace torsion {

namespace {

std::string demangle(const char* name) {
  int status = 0;
  std::unique_ptr<char, decltype(&std::free)> out(
      abi::__cxa_demangle(name, nullptr, nullptr, &status), &std::free);
  return (status == 0 && out) ? std::string(out.get()) : std::string(name);
}

}  // namespace

void Logger::emit(LogLevel level, std::string message, std::vector<LogField> fields) const {
  if (!enabled(level)) {
    return;
  }
  LogEvent event;
  event.level = level;
  event.logNamespace = namespace_;
  event.message = std::move(message);
  event.fields = std::move(fields);
  event.time = std::chrono::system_clock::now();
  publisher_->publish(event);
}

void Logger::failure(std::string_view context, const std::exception_ptr& error) const {
  if (!enabled(LogLevel::kError)) {
    return;
  }
  ExceptionDescription description = describeException(error);
  emit(LogLevel::kError, fmt::format("{}: {}", context, description.what),
       {{"origin", std::string(context)}, {"exception", std::move(description.typeName)}});
}

ExceptionDescription describeException(const std::exception_ptr& error) noexcept {
  try {
    if (!error) {
      return {"no exception", ""};
    }
    try {
      std::rethrow_exception(error);
    } catch (const std::exception& e) {
      return {demangle(typeid(e).name()), e.what()};
    } catch (...) {
      const std::type_info* type = abi::__cxa_current_exception_type();
      return {type != nullptr ? demangle(type->name()) : "unknown exception", ""};
    }
  } catch (...) {
    return {"unknown exception", ""};
  }
}

}  // namespace torsion
