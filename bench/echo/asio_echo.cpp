// asio_echo: idiomatic Boost.Asio echo server for the echo suite (issue #9).
//
// Asio's own example (src/examples/cpp11/echo/async_tcp_echo_server.cpp) with two changes that
// every server in the suite gets: a 64 KiB read buffer instead of the example's 1 KiB (so the
// streaming workload compares like with like) and a raised descriptor limit. Each session reads
// with async_read_some, writes the bytes back with async_write, then reads again; the session
// keeps itself alive through shared_from_this captured in its handlers.
//
// Usage: asio_echo [port]   (port 0 or none: any free port)
// Prints "ready <port>" once listening on 127.0.0.1; SIGTERM or SIGINT ends it.

// Debian's Asio 1.18 uses std::exchange without including <utility> (g++ 12, C++20).
#include <utility>
// g++ 12 -O3 reports "potential null pointer dereference" inside Asio's scheduler (inlined, so
// the system-header exemption does not apply); that is Asio's code, not this file's.
#pragma GCC diagnostic ignored "-Wnull-dereference"
// clang-format off
#include <boost/asio.hpp>
// clang-format on
#include <array>
#include <cstdio>
#include <cstdlib>
#include <memory>

#include "echo_support.hpp"

using boost::asio::ip::tcp;

namespace {

class Session : public std::enable_shared_from_this<Session> {
 public:
  explicit Session(tcp::socket socket) : socket_(std::move(socket)) {}

  void start() { doRead(); }

 private:
  void doRead() {
    auto self(shared_from_this());
    socket_.async_read_some(boost::asio::buffer(data_),
                            [this, self](boost::system::error_code ec, std::size_t length) {
                              if (!ec) {
                                doWrite(length);
                              }
                            });
  }

  void doWrite(std::size_t length) {
    auto self(shared_from_this());
    boost::asio::async_write(socket_, boost::asio::buffer(data_, length),
                             [this, self](boost::system::error_code ec, std::size_t /*length*/) {
                               if (!ec) {
                                 doRead();
                               }
                             });
  }

  static constexpr std::size_t kMaxLength = std::size_t{64} * 1024;
  tcp::socket socket_;
  std::array<char, kMaxLength> data_{};
};

class Server {
 public:
  Server(boost::asio::io_context& io, unsigned short port)
      : acceptor_(io, tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), port)) {
    doAccept();
  }

  [[nodiscard]] unsigned short port() const { return acceptor_.local_endpoint().port(); }

 private:
  void doAccept() {
    acceptor_.async_accept([this](boost::system::error_code ec, tcp::socket socket) {
      if (!ec) {
        std::make_shared<Session>(std::move(socket))->start();
      }
      doAccept();
    });
  }

  tcp::acceptor acceptor_;
};

}  // namespace

int main(int argc, char** argv) {
  const auto port = static_cast<unsigned short>(argc > 1 ? std::atoi(argv[1]) : 0);
  torsion::bench::raiseFdLimit(torsion::bench::kServerFdLimit);
  try {
    boost::asio::io_context io;
    Server server(io, port);
    std::printf("ready %u\n", static_cast<unsigned>(server.port()));
    std::fflush(stdout);
    io.run();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "asio_echo: %s\n", e.what());
    return 1;
  }
  return 0;
}
