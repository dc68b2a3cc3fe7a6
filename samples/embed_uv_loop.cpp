// embed_uv_loop: a host program that owns a libuv loop (uv_loop_t), with its own handles on it: a
// heartbeat timer, a --seconds deadline and SIGINT/SIGTERM watchers. A torsion reactor is built
// on that same loop (ReactorOptions::uvLoop) and serves echo on --listen; reactor.run() then
// runs the loop, the host's handles and torsion's together. docs/embedding.md explains the
// three ways to embed torsion.
//
// Run it:          ./build/samples/embed_uv_loop                # echo on 127.0.0.1:8004
// In a 2nd shell:  printf 'hello\n' | nc -q1 127.0.0.1 8004
// Ctrl-C, SIGTERM or --seconds stops it (exit 0). Exit status 1 if it cannot listen, 2 for a
// bad option or endpoint.
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <string>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <uv.h>

#include <torsion/deferred/error.hpp>
#include <torsion/reactor/errors.hpp>
#include <torsion/transports/endpoints.hpp>
#include <torsion/transports/errors.hpp>
#include <torsion/transports/factory.hpp>
#include <torsion/transports/reactor.hpp>

#include "echo_protocols.hpp"

namespace {

// The host's state, reached from its libuv callbacks through each handle's `data`.
struct Host {
  torsion::Reactor* reactor = nullptr;  // set while the reactor exists
  int heartbeats = 0;

  // Stops torsion's run(), once: a signal may come while the shutdown is under way.
  void stop(const char* why) const {
    if (reactor == nullptr) {
      return;
    }
    fmt::print("host: {}, stopping\n", why);
    try {
      reactor->stop();
    } catch (const torsion::ReactorNotRunning&) {
      // already stopping
    }
  }
};

template <class Handle>
uv_handle_t* asHandle(Handle* handle) {
  return reinterpret_cast<uv_handle_t*>(handle);  // libuv's handle "inheritance"
}

int run(int argc, char** argv) {
  CLI::App app{"A host that owns a libuv loop and runs a torsion reactor on it"};
  std::string listen = "tcp:8004:interface=127.0.0.1";
  double seconds = 0;
  app.add_option("--listen", listen, "Echo server endpoint")->capture_default_str();
  app.add_option("--seconds", seconds, "Stop after this long (0: run until told)")
      ->check(CLI::Range(0.0, 86400.0));
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;  // --help is 0; a bad command line is a usage error
  }
  std::setvbuf(stdout, nullptr, _IOLBF, BUFSIZ);  // a line at a time, even into a pipe

  // snippet-begin: host
  uv_loop_t loop{};
  uv_loop_init(&loop);
  Host host;
  uv_timer_t heartbeat{};  // the host's own work, which goes on while torsion runs
  uv_timer_init(&loop, &heartbeat);
  heartbeat.data = &host;
  uv_timer_start(
      &heartbeat, [](uv_timer_t* t) { ++static_cast<Host*>(t->data)->heartbeats; }, 100, 100);
  uv_timer_t deadline{};
  uv_timer_init(&loop, &deadline);
  deadline.data = &host;
  if (seconds > 0) {
    uv_timer_start(
        &deadline, [](uv_timer_t* t) { static_cast<Host*>(t->data)->stop("--seconds elapsed"); },
        static_cast<std::uint64_t>(seconds * 1000), 0);
  }
  uv_signal_t sigint{};
  uv_signal_t sigterm{};
  for (uv_signal_t* watcher : {&sigint, &sigterm}) {
    uv_signal_init(&loop, watcher);
    watcher->data = &host;
  }
  auto onSignal = [](uv_signal_t* s, int signum) {
    static_cast<Host*>(s->data)->stop(signum == SIGINT ? "SIGINT" : "SIGTERM");
  };
  uv_signal_start(&sigint, onSignal, SIGINT);
  uv_signal_start(&sigterm, onSignal, SIGTERM);
  // snippet-end

  int status = 0;
  try {
    // snippet-begin: reactor
    torsion::ReactorOptions options;
    options.backend = torsion::ReactorBackend::kUv;
    options.uvLoop = &loop;                 // run on the host's loop, not a private one
    options.installSignalHandlers = false;  // the host's uv_signal_t watchers own the signals
    torsion::Reactor reactor(options);
    host.reactor = &reactor;
    auto endpoint = torsion::serverFromString(reactor, listen);
    torsion::IListeningPort& port =
        endpoint->listen(torsion::Factory::forProtocol<samples::Echo>());
    fmt::print("embed_uv_loop: echo on {}\n", port.getHost().toString());
    reactor.run();  // runs the host's loop until host.stop(): both sets of handles work
    host.reactor = nullptr;
    // snippet-end
  } catch (const torsion::EndpointParseError& e) {
    fmt::print(stderr, "embed_uv_loop: {}\n", e.what());
    status = 2;
  } catch (const torsion::Error& e) {  // a port in use
    fmt::print(stderr, "embed_uv_loop: {}\n", e.what());
    status = 1;
  }

  // snippet-begin: teardown
  // The reactor is gone and its handles are closing; close the host's, then one more run of the
  // loop finishes every close callback, and the loop can be closed.
  for (uv_handle_t* handle :
       {asHandle(&heartbeat), asHandle(&deadline), asHandle(&sigint), asHandle(&sigterm)}) {
    uv_close(handle, nullptr);
  }
  uv_run(&loop, UV_RUN_DEFAULT);
  const int closed = uv_loop_close(&loop);
  // snippet-end
  if (status == 0) {
    fmt::print("host: {} heartbeats while torsion served; loop closed: {}; bye\n", host.heartbeats,
               closed == 0 ? "yes" : uv_strerror(closed));
  }
  return status;
}

}  // namespace

int main(int argc, char** argv) {
  // Anything not handled in run() (CLI11 set-up, output errors) ends the program with one line.
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "embed_uv_loop: %s\n", e.what());
    return 1;
  }
}
