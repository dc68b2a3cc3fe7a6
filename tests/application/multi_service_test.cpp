#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>

#include <torsion/application/multi_service.hpp>
#include <torsion/application/service.hpp>
#include <torsion/deferred/deferred.hpp>
#include <torsion/deferred/error.hpp>
#include <torsion/testing/deferred_assertions.hpp>
#include <torsion/testing/unhandled_failure_guard.hpp>

namespace {

using torsion::Deferred;
using torsion::MultiService;
using torsion::Service;
using torsion::testing::failureResultOf;
using torsion::testing::successResultOf;

/// A service that records its start and stop into a shared log, and whose stop Deferred the
/// test fires when it wants.
class Recorder final : public Service {
 public:
  Recorder(std::string name, std::vector<std::string>& log, bool* destroyed = nullptr)
      : Service(std::move(name)), log_(log), destroyed_(destroyed) {}

  ~Recorder() override {
    if (destroyed_ != nullptr) {
      *destroyed_ = true;
    }
  }

  Recorder(const Recorder&) = delete;
  Recorder& operator=(const Recorder&) = delete;
  Recorder(Recorder&&) = delete;
  Recorder& operator=(Recorder&&) = delete;

  void privilegedStartService() override { log_.push_back("privileged " + name()); }

  void startService() override {
    if (failStart) {
      throw std::runtime_error("cannot start " + name());
    }
    Service::startService();
    log_.push_back("start " + name());
  }

  Deferred<void> stopService() override {
    (void)Service::stopService();
    log_.push_back("stop " + name());
    if (failStop) {
      throw std::runtime_error("cannot stop " + name());
    }
    return stopped;
  }

  bool failStart = false;
  bool failStop = false;
  Deferred<void> stopped = torsion::succeed();

 private:
  std::vector<std::string>& log_;
  bool* destroyed_;
};

}  // namespace

TEST_CASE("Service tracks running across start and stop", "[application][service]") {
  Service service("plain");
  CHECK_FALSE(service.running());
  service.startService();
  CHECK(service.running());
  Deferred<void> stopped = service.stopService();
  successResultOf(stopped);
  CHECK_FALSE(service.running());
  CHECK(service.parent() == nullptr);
}

TEST_CASE("MultiService starts children in order and stops them in reverse order",
          "[application][service]") {
  torsion::testing::UnhandledFailureGuard guard;
  std::vector<std::string> log;
  MultiService root;
  auto& a = root.addService(std::make_unique<Recorder>("a", log));
  root.addService(std::make_unique<Recorder>("b", log));
  root.addService(std::make_unique<Recorder>("c", log));
  CHECK(a.parent() == &root);
  CHECK(root.size() == 3);

  root.privilegedStartService();
  root.startService();
  CHECK(root.running());
  CHECK(log == std::vector<std::string>{"privileged a", "privileged b", "privileged c", "start a",
                                        "start b", "start c"});
  log.clear();
  Deferred<void> stopped = root.stopService();
  CHECK(log == std::vector<std::string>{"stop c", "stop b", "stop a"});
  successResultOf(stopped);
  CHECK_FALSE(root.running());
}

TEST_CASE("MultiService's stop waits for every child's stop Deferred", "[application][service]") {
  torsion::testing::UnhandledFailureGuard guard;
  std::vector<std::string> log;
  MultiService root;
  auto& a = root.addService(std::make_unique<Recorder>("a", log));
  auto& b = root.addService(std::make_unique<Recorder>("b", log));
  a.stopped = Deferred<void>();
  b.stopped = Deferred<void>();
  root.startService();

  Deferred<void> stopped = root.stopService();
  CHECK_FALSE(stopped.called());
  a.stopped.callback();
  CHECK_FALSE(stopped.called());
  b.stopped.callback();
  successResultOf(stopped);
}

TEST_CASE("MultiService reports a child's stop failure after all children finished",
          "[application][service]") {
  torsion::testing::UnhandledFailureGuard guard;
  std::vector<std::string> log;
  MultiService root;
  auto& a = root.addService(std::make_unique<Recorder>("a", log));
  auto& b = root.addService(std::make_unique<Recorder>("b", log));
  auto& c = root.addService(std::make_unique<Recorder>("c", log));
  a.stopped = Deferred<void>();
  b.failStop = true;  // throws from stopService
  (void)c;
  root.startService();

  Deferred<void> stopped = root.stopService();
  CHECK(log.back() == "stop a");  // every child was asked, despite b's failure
  CHECK_FALSE(stopped.called());  // a has not finished yet
  a.stopped.callback();
  torsion::Failure failure = failureResultOf<std::runtime_error>(stopped);
  CHECK(failure.what() == std::string("cannot stop b"));
}

TEST_CASE("MultiService starts a child added while it runs", "[application][service]") {
  std::vector<std::string> log;
  MultiService root;
  root.startService();
  auto& late = root.addService(std::make_unique<Recorder>("late", log));
  CHECK(late.running());
  CHECK(log == std::vector<std::string>{"privileged late", "start late"});
}

TEST_CASE("MultiService rejects duplicate names and unknown lookups with clear errors",
          "[application][service]") {
  std::vector<std::string> log;
  MultiService root;
  auto& web = root.addService(std::make_unique<Recorder>("web", log));
  CHECK(&root.getServiceNamed("web") == &web);
  CHECK_THROWS_AS(root.addService(std::make_unique<Recorder>("web", log)), torsion::ValueError);
  CHECK_THROWS_WITH(root.addService(std::make_unique<Recorder>("web", log)),
                    Catch::Matchers::Contains("'web'"));
  CHECK(root.size() == 1);
  CHECK_THROWS_AS(root.getServiceNamed("mail"), torsion::ValueError);
  CHECK_THROWS_WITH(root.getServiceNamed("mail"), Catch::Matchers::Contains("'mail'"));
  CHECK_THROWS_AS(root.addService(std::unique_ptr<Service>()), torsion::ValueError);
  // Unnamed children do not clash.
  root.addService(std::make_unique<Service>());
  root.addService(std::make_unique<Service>());
  CHECK(root.size() == 3);
  CHECK_THROWS_AS(web.setName("other"), torsion::Error);
}

TEST_CASE("removeService stops a running child and destroys it once its stop fired",
          "[application][service]") {
  torsion::testing::UnhandledFailureGuard guard;
  std::vector<std::string> log;
  bool destroyed = false;
  MultiService root;
  auto& child = root.addService(std::make_unique<Recorder>("child", log, &destroyed));
  child.stopped = Deferred<void>();
  root.startService();

  Deferred<void> pending = child.stopped;
  Deferred<void> removed = root.removeService(child);
  CHECK(root.size() == 0);
  CHECK(log.back() == "stop child");
  CHECK_FALSE(destroyed);  // alive until its stop Deferred fires
  pending.callback();
  CHECK(destroyed);
  successResultOf(removed);
}

TEST_CASE("removeService destroys a child that is not running at once", "[application][service]") {
  std::vector<std::string> log;
  bool destroyed = false;
  MultiService root;
  auto& child = root.addService(std::make_unique<Recorder>("child", log, &destroyed));
  Deferred<void> removed = root.removeService(child);
  CHECK(destroyed);
  successResultOf(removed);
  CHECK(log.empty());

  Service stranger;
  CHECK_THROWS_AS(root.removeService(stranger), torsion::ValueError);
}

TEST_CASE("a child whose start throws propagates out of MultiService::startService",
          "[application][service]") {
  torsion::testing::UnhandledFailureGuard guard;
  std::vector<std::string> log;
  MultiService root;
  auto& a = root.addService(std::make_unique<Recorder>("a", log));
  auto& b = root.addService(std::make_unique<Recorder>("b", log));
  auto& c = root.addService(std::make_unique<Recorder>("c", log));
  b.failStart = true;
  CHECK_THROWS_WITH(root.startService(), "cannot start b");
  CHECK(a.running());
  CHECK_FALSE(b.running());
  CHECK_FALSE(c.running());
  // Stopping stops what started; children that never started are asked too, harmlessly.
  Deferred<void> stopped = root.stopService();
  successResultOf(stopped);
  CHECK_FALSE(a.running());
}
