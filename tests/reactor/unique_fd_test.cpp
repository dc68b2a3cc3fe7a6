#include <utility>

#include <fcntl.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <torsion/reactor/unique_fd.hpp>

namespace {

// True while `fd` names an open descriptor of this process.
bool isOpen(int fd) {
  return ::fcntl(fd, F_GETFD) != -1;
}

int openPipeEnd(torsion::UniqueFd& other) {
  int fds[2] = {-1, -1};
  REQUIRE(::pipe(fds) == 0);
  other.reset(fds[1]);
  return fds[0];
}

}  // namespace

TEST_CASE("UniqueFd closes its descriptor when destroyed", "[reactor][unique_fd]") {
  torsion::UniqueFd writeEnd;
  int raw = openPipeEnd(writeEnd);
  {
    torsion::UniqueFd owner{raw};
    CHECK(owner.valid());
    CHECK(owner.get() == raw);
    CHECK(isOpen(raw));
  }
  CHECK_FALSE(isOpen(raw));
}

TEST_CASE("UniqueFd moves ownership and release gives it up", "[reactor][unique_fd]") {
  torsion::UniqueFd writeEnd;
  int raw = openPipeEnd(writeEnd);
  torsion::UniqueFd first{raw};
  torsion::UniqueFd second{std::move(first)};
  CHECK_FALSE(first.valid());  // NOLINT(bugprone-use-after-move): the moved-from state is the point
  CHECK(second.get() == raw);

  const int released = second.release();
  CHECK(released == raw);
  CHECK_FALSE(second.valid());
  CHECK(isOpen(raw));  // release did not close it
  ::close(released);
}

TEST_CASE("UniqueFd reset and move-assignment close the old descriptor", "[reactor][unique_fd]") {
  torsion::UniqueFd a;
  torsion::UniqueFd b;
  const int readA = openPipeEnd(a);
  const int readB = openPipeEnd(b);
  const int writeA = a.get();
  const int writeB = b.get();
  torsion::UniqueFd holdA{readA};
  torsion::UniqueFd holdB{readB};

  a = std::move(b);  // closes writeA, takes writeB
  CHECK_FALSE(isOpen(writeA));
  CHECK(a.get() == writeB);

  a.reset();
  CHECK_FALSE(isOpen(writeB));
  CHECK(a.get() == -1);
}
