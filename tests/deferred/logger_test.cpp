#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include <torsion/deferred/error.hpp>
#include <torsion/deferred/json_log_observer.hpp>
#include <torsion/deferred/log_publisher.hpp>
#include <torsion/deferred/logger.hpp>
#include <torsion/deferred/text_log_observer.hpp>

namespace {

struct RecordingObserver final : torsion::ILogObserver {
  std::vector<torsion::LogEvent> events;

  void observe(const torsion::LogEvent& event) override { events.push_back(event); }
};

}  // namespace

TEST_CASE("Logger formats its message and publishes namespace, level and fields",
          "[deferred][logger]") {
  torsion::LogPublisher publisher;
  publisher.removeDefaultObserver();
  RecordingObserver observer;
  torsion::ScopedLogObserver scope(publisher, observer);

  torsion::Logger log("test.ns", publisher);
  log.warn("port {} is {}", 8080, "busy");
  log.emit(torsion::LogLevel::kError, "accept failed", {{"errno", "EMFILE"}});

  REQUIRE(observer.events.size() == 2);
  CHECK(observer.events[0].logNamespace == "test.ns");
  CHECK(observer.events[0].level == torsion::LogLevel::kWarn);
  CHECK(observer.events[0].message == "port 8080 is busy");
  REQUIRE(observer.events[1].fields.size() == 1);
  CHECK(observer.events[1].fields[0].key == "errno");
  CHECK(observer.events[1].fields[0].value == "EMFILE");
}

TEST_CASE("LogPublisher drops events below its level", "[deferred][logger]") {
  torsion::LogPublisher publisher;
  publisher.removeDefaultObserver();
  RecordingObserver observer;
  torsion::ScopedLogObserver scope(publisher, observer);
  torsion::Logger log("test", publisher);

  log.debug("hidden");
  REQUIRE(observer.events.empty());
  publisher.setLevel(torsion::LogLevel::kDebug);
  log.debug("shown");
  REQUIRE(observer.events.size() == 1);
  publisher.setLevel(torsion::LogLevel::kError);
  log.warn("hidden too");
  REQUIRE(observer.events.size() == 1);
}

TEST_CASE("A removed observer sees nothing more", "[deferred][logger]") {
  torsion::LogPublisher publisher;
  publisher.removeDefaultObserver();
  RecordingObserver observer;
  torsion::Logger log("test", publisher);
  {
    torsion::ScopedLogObserver scope(publisher, observer);
    log.info("one");
  }
  log.info("two");
  REQUIRE(observer.events.size() == 1);
}

TEST_CASE("An observer that logs while observing does not recurse", "[deferred][logger]") {
  torsion::LogPublisher publisher;
  publisher.removeDefaultObserver();

  struct Echoing final : torsion::ILogObserver {
    torsion::LogPublisher* publisher = nullptr;
    int seen = 0;

    void observe(const torsion::LogEvent& event) override {
      ++seen;
      torsion::Logger(event.logNamespace, *publisher).info("echo");
    }
  } echoing;

  echoing.publisher = &publisher;
  torsion::ScopedLogObserver scope(publisher, echoing);
  torsion::Logger("test", publisher).info("once");
  REQUIRE(echoing.seen == 1);
}

TEST_CASE("Logger::failure logs the exception's type, message and origin", "[deferred][logger]") {
  torsion::LogPublisher publisher;
  publisher.removeDefaultObserver();
  RecordingObserver observer;
  torsion::ScopedLogObserver scope(publisher, observer);
  torsion::Logger log("test", publisher);

  log.failure("timer callback", std::make_exception_ptr(std::out_of_range("index 9")));

  REQUIRE(observer.events.size() == 1);
  const auto& event = observer.events[0];
  CHECK(event.level == torsion::LogLevel::kError);
  CHECK(event.message == "timer callback: index 9");
  REQUIRE(event.fields.size() == 2);
  CHECK(event.fields[0].value == "timer callback");
  CHECK(event.fields[1].value == "std::out_of_range");
}

TEST_CASE("describeException names non-standard exceptions", "[deferred][logger]") {
  auto description = torsion::describeException(std::make_exception_ptr(42));
  CHECK(description.typeName == "int");
  CHECK(description.what.empty());
}

TEST_CASE("TextLogObserver writes one line per event with fields", "[deferred][logger]") {
  std::ostringstream out;
  torsion::TextLogObserver observer(out);
  torsion::LogEvent event;
  event.level = torsion::LogLevel::kError;
  event.logNamespace = "torsion.reactor";
  event.message = "boom";
  event.fields = {{"fd", "7"}};
  observer.observe(event);
  const std::string line = out.str();
  CHECK(line.find("[torsion.reactor#error] boom fd=7\n") != std::string::npos);
  CHECK(line.find("1970-01-01T00:00:00.000Z") == 0);
}

TEST_CASE("JsonLogObserver writes one escaped JSON object per line", "[deferred][logger]") {
  std::ostringstream out;
  torsion::JsonLogObserver observer(out);
  torsion::LogEvent event;
  event.level = torsion::LogLevel::kInfo;
  event.logNamespace = "chat";
  event.message = "said \"hi\"\n";
  event.fields = {{"peer", "127.0.0.1:5"}};
  observer.observe(event);
  CHECK(out.str() == R"({"time":"1970-01-01T00:00:00.000Z","level":"info","namespace":"chat",)"
                     R"("message":"said \"hi\"\n","fields":{"peer":"127.0.0.1:5"}})"
                     "\n");
}

TEST_CASE("parseLogLevel accepts level names and rejects others clearly", "[deferred][logger]") {
  CHECK(torsion::parseLogLevel("warn") == torsion::LogLevel::kWarn);
  CHECK(torsion::levelName(torsion::LogLevel::kCritical) == "critical");
  REQUIRE_THROWS_WITH(torsion::parseLogLevel("loud"),
                      Catch::Contains("unknown log level 'loud'") && Catch::Contains("debug"));
}
