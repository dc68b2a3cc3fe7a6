// FileSender: a file streamed chunk by chunk to a consumer, on StringTransport and on loopback.
#include <algorithm>
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <random>
#include <string>

#include <fcntl.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <torsion/deferred/error.hpp>
#include <torsion/protocols/file_sender.hpp>
#include <torsion/testing/string_transport.hpp>
#include <torsion/testing/string_transport_with_disconnection.hpp>
#include <torsion/transports/errors.hpp>
#include <torsion/transports/ipush_producer.hpp>

#include "../transports/transports_test_support.hpp"
#include "policies_test_support.hpp"
#include "protocols_test_support.hpp"

using namespace torsion;        // NOLINT(google-build-using-namespace): test file
using namespace torsion::test;  // NOLINT(google-build-using-namespace): test file
using torsion::testing::StringTransport;
using torsion::testing::StringTransportOptions;
using torsion::testing::StringTransportWithDisconnection;

namespace {

// A file with the given content in the temporary directory, removed at the end of the test.
class TempFile {
 public:
  explicit TempFile(const std::string& content) {
    std::random_device seed;
    path_ = std::filesystem::temp_directory_path() /
            ("torsion_file_sender_" + std::to_string(::getpid()) + "_" + std::to_string(seed()));
    std::ofstream out(path_, std::ios::binary);
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
  }

  ~TempFile() {
    std::error_code ignored;
    std::filesystem::remove(path_, ignored);
  }

  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  TempFile(TempFile&&) = delete;
  TempFile& operator=(TempFile&&) = delete;

  [[nodiscard]] const std::filesystem::path& path() const noexcept { return path_; }

 private:
  std::filesystem::path path_;
};

// What a transfer's Deferred delivered.
struct TransferOutcome {
  std::optional<std::uint64_t> sent;
  std::optional<Failure> failure;
};

void observe(Deferred<std::uint64_t> d, TransferOutcome& outcome) {
  (void)d.addCallbacks([&outcome](std::uint64_t sent) { outcome.sent = sent; },
                       [&outcome](const Failure& f) { outcome.failure = f; });
}

std::string content(std::size_t size) {
  std::mt19937 rng(7);
  return randomBytes(rng, size);
}

}  // namespace

// NOLINTNEXTLINE(readability-function-cognitive-complexity): Catch2 assertion macros
TEST_CASE("FileSender writes one chunk per drain and fires with the byte count at the end",
          "[protocols][file_sender]") {
  const std::string data = content(100'000);
  TempFile file(data);
  StringTransportOptions options;
  options.writeBufferLimit = StringTransport::kHighWatermark;
  StringTransport tr(options);
  FileSender sender(std::size_t{16} * 1024);
  TransferOutcome outcome;
  observe(sender.beginFileTransfer(file.path(), tr), outcome);
  CHECK(tr.producer() == &sender);
  CHECK_FALSE(tr.streaming());
  CHECK(tr.value().empty());  // nothing until the consumer asks

  std::string received;
  int drains = 0;
  while (tr.producer() != nullptr && drains < 100) {
    received += tr.drainAll();  // each drain asks for one chunk
    CHECK(tr.value().size() <= std::size_t{16} * 1024);
    ++drains;
  }
  received += tr.drainAll();
  CHECK(received == data);
  CHECK(drains == 8);  // 7 chunks (6 full, one short), then the drain that finds end of file
  REQUIRE(outcome.sent);
  CHECK(*outcome.sent == data.size());
  CHECK_FALSE(sender.transferring());
}

TEST_CASE("FileSender passes each chunk through the transform", "[protocols][file_sender]") {
  TempFile file("hello, file sender");
  StringTransport tr;
  FileSender sender(4);
  TransferOutcome outcome;
  observe(sender.beginFileTransfer(file.path(), tr,
                                   [](std::string chunk) {
                                     std::transform(chunk.begin(), chunk.end(), chunk.begin(),
                                                    [](unsigned char c) {
                                                      return static_cast<char>(std::toupper(c));
                                                    });
                                     return chunk + "|";
                                   }),
          outcome);
  std::string received;
  for (int i = 0; i < 20 && tr.producer() != nullptr; ++i) {
    received += tr.drainAll();  // each drain that empties the buffer asks for one more chunk
  }
  CHECK(received == "HELL|O, F|ILE |SEND|ER|");
  REQUIRE(outcome.sent);
  CHECK(*outcome.sent == received.size());  // bytes written, after the transform
}

TEST_CASE("FileSender fails its Deferred with ConnectionLost when the consumer stops it",
          "[protocols][file_sender]") {
  TempFile file(content(50'000));
  Record record;
  Recorder protocol(record);
  StringTransportWithDisconnection tr;
  tr.connect(protocol);
  FileSender sender(1000);
  TransferOutcome outcome;
  observe(sender.beginFileTransfer(file.path(), tr), outcome);
  (void)tr.drainAll();
  (void)tr.drainAll();
  tr.abortConnection();  // the connection is lost: the transport stops its producer
  REQUIRE(outcome.failure);
  CHECK(outcome.failure->check<ConnectionLost>());
  CHECK_FALSE(outcome.sent);
  CHECK(sender.bytesSent() == 2000);
  CHECK_FALSE(sender.transferring());
}

TEST_CASE("FileSender sends an empty file as zero bytes", "[protocols][file_sender]") {
  TempFile file("");
  StringTransport tr;
  FileSender sender;
  TransferOutcome outcome;
  observe(sender.beginFileTransfer(file.path(), tr), outcome);
  CHECK_FALSE(outcome.sent);  // not inside beginFileTransfer
  (void)tr.drainAll();
  REQUIRE(outcome.sent);
  CHECK(*outcome.sent == 0);
  CHECK(tr.producer() == nullptr);
}

TEST_CASE("FileSender sends from an open descriptor's offset and leaves it open",
          "[protocols][file_sender]") {
  TempFile file("0123456789");
  const int fd = ::open(file.path().c_str(), O_RDONLY | O_CLOEXEC);  // NOLINT: POSIX varargs
  REQUIRE(fd >= 0);
  REQUIRE(::lseek(fd, 4, SEEK_SET) == 4);
  StringTransport tr;
  FileSender sender;
  TransferOutcome outcome;
  observe(sender.beginFileTransfer(fd, tr), outcome);
  std::string received;
  for (int i = 0; i < 5 && tr.producer() != nullptr; ++i) {
    received += tr.drainAll();
  }
  CHECK(received == "456789");
  CHECK(outcome.sent == std::optional<std::uint64_t>(6));
  CHECK(::fcntl(fd, F_GETFD) >= 0);  // NOLINT: POSIX varargs; still ours
  ::close(fd);
}

// NOLINTNEXTLINE(readability-function-cognitive-complexity): Catch2 assertion macros
TEST_CASE("FileSender refuses a missing file, a busy consumer and a second transfer",
          "[protocols][file_sender]") {
  StringTransport tr;
  FileSender sender;
  try {
    (void)sender.beginFileTransfer("/nonexistent/torsion/file", tr);
    FAIL("no exception");
  } catch (const ValueError& e) {
    CHECK(std::string(e.what()).find("/nonexistent/torsion/file") != std::string::npos);
  }
  CHECK(tr.producer() == nullptr);

  TempFile file("abc");
  FileSender first;
  TransferOutcome outcome;
  observe(first.beginFileTransfer(file.path(), tr), outcome);
  CHECK_THROWS_AS((void)first.beginFileTransfer(file.path(), tr), ValueError);
  CHECK_THROWS_AS((void)sender.beginFileTransfer(file.path(), tr), ValueError);  // consumer busy
  CHECK_FALSE(sender.transferring());
  CHECK_THROWS_AS(FileSender(0), ValueError);
}

TEST_CASE("FileSender may be destroyed by its Deferred's callback", "[protocols][file_sender]") {
  TempFile file("bytes");
  StringTransport tr;
  auto sender = std::make_unique<FileSender>();
  bool done = false;
  (void)sender->beginFileTransfer(file.path(), tr).addCallback([&sender, &done](std::uint64_t) {
    sender.reset();
    done = true;
  });
  std::string received;
  for (int i = 0; i < 5 && !done; ++i) {
    received += tr.drainAll();
  }
  CHECK(done);
  CHECK(received == "bytes");
}

// NOLINTNEXTLINE(readability-function-cognitive-complexity): Catch2 assertion macros
TEST_CASE("FileSender sends a few MiB over a loopback TCP connection intact",
          "[protocols][file_sender]") {
  const std::string data = content(std::size_t{4} * 1024 * 1024 + 123);
  TempFile file(data);
  Harness h(anyBackend());

  // The server sends the file to each client and closes once the Deferred fires.
  class Sender final : public Protocol {
   public:
    explicit Sender(const std::filesystem::path& path) : path_(path) {}

    void connectionMade() override {
      (void)sender_.beginFileTransfer(path_, *transport())
          .addCallbacks([this](std::uint64_t) { transport()->loseConnection(); },
                        [](const Failure& f) { f.rethrow(); });
    }

   private:
    std::filesystem::path path_;
    FileSender sender_;
  };

  auto serverFactory = Factory::fromFunction([&file](const Address&) -> std::unique_ptr<Protocol> {
    return std::make_unique<Sender>(file.path());
  });
  IListeningPort& port = h.reactor.listenTCP(0, serverFactory, 50, "127.0.0.1");

  Events client;
  auto clientFactory = std::make_shared<TestClientFactory>(client, [&h](TestProtocol& p) {
    p.onLost = [&h](TestProtocol&, const Failure&) { h.stop(); };
  });
  h.reactor.connectTCP("127.0.0.1", port.getHost().port(), clientFactory);
  h.run();
  CHECK(client.received.size() == data.size());
  CHECK(client.received == data);
  REQUIRE(client.reason);
  CHECK(client.reason->check<ConnectionDone>());
}
