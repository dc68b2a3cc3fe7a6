/* epoll_echo: the hand-written floor of the echo suite (issue #9).
 *
 * One thread, level-triggered epoll, and the fewest system calls an echo server can make:
 * - each connection is added to the epoll set once, for EPOLLIN, and stays there;
 * - one read per readiness event: a read that fills the buffer may leave more behind, and the
 *   level-triggered set reports the socket again, so the server never reads just to see EAGAIN;
 * - the echo is written at once; only the part the socket refuses (EAGAIN) is kept, and only then
 *   does the server ask for EPOLLOUT (and stops reading that connection until the backlog is out,
 *   which bounds its memory); EPOLLOUT is dropped when the backlog is gone.
 * So a ping-pong message costs one read and one write, plus a share of an epoll_wait.
 *
 * Usage: epoll_echo [port]   (port 0 or none: any free port)
 * Prints "ready <port>" once listening on 127.0.0.1. SIGTERM or SIGINT ends it (the default
 * action: there is nothing to clean up that the kernel does not).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

enum { kBufferSize = 64 * 1024, kMaxEvents = 256 };

/* The unsent tail of an echo, kept only when a write hit EAGAIN. */
struct conn {
  char* pending;
  size_t length;
  size_t offset;
};

static struct conn* conns; /* indexed by descriptor */
static size_t connCapacity;

static void die(const char* what) {
  perror(what);
  exit(1);
}

/* 10,000 idle connections need more descriptors than the usual soft limit of 1024; root may
 * also raise the hard limit. */
static void raiseFdLimit(void) {
  struct rlimit limit;
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= 16384) {
    return;
  }
  const struct rlimit wanted = {16384, limit.rlim_max > 16384 ? limit.rlim_max : 16384};
  if (setrlimit(RLIMIT_NOFILE, &wanted) != 0) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
  }
}

static void closeConn(int fd) {
  free(conns[fd].pending);
  memset(&conns[fd], 0, sizeof conns[fd]);
  close(fd); /* close() also removes fd from the epoll set */
}

static void setInterest(int ep, int fd, uint32_t events) {
  struct epoll_event ev = {.events = events, .data.fd = fd};
  if (epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev) != 0) {
    die("epoll_ctl");
  }
}

/* Writes what the socket takes; keeps the rest and switches the connection to EPOLLOUT. */
static void sendOrKeep(int ep, int fd, const char* data, size_t length) {
  ssize_t n = send(fd, data, length, MSG_NOSIGNAL);
  if (n < 0) {
    if (errno != EAGAIN && errno != EINTR) {
      closeConn(fd);
      return;
    }
    n = 0;
  }
  if ((size_t)n == length) {
    return;
  }
  struct conn* c = &conns[fd];
  c->length = length - (size_t)n;
  c->offset = 0;
  c->pending = malloc(c->length);
  if (c->pending == NULL) {
    die("malloc");
  }
  memcpy(c->pending, data + n, c->length);
  setInterest(ep, fd, EPOLLOUT);
}

static void flushPending(int ep, int fd) {
  struct conn* c = &conns[fd];
  ssize_t n = send(fd, c->pending + c->offset, c->length - c->offset, MSG_NOSIGNAL);
  if (n < 0) {
    if (errno != EAGAIN && errno != EINTR) {
      closeConn(fd);
    }
    return;
  }
  c->offset += (size_t)n;
  if (c->offset == c->length) {
    free(c->pending);
    c->pending = NULL;
    setInterest(ep, fd, EPOLLIN);
  }
}

int main(int argc, char** argv) {
  const int port = argc > 1 ? atoi(argv[1]) : 0;
  raiseFdLimit();
  struct rlimit limit;
  getrlimit(RLIMIT_NOFILE, &limit);
  connCapacity = (size_t)limit.rlim_cur;
  conns = calloc(connCapacity, sizeof *conns);
  static char buffer[kBufferSize];

  const int listener = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  const int one = 1;
  setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (conns == NULL || listener < 0 || bind(listener, (struct sockaddr*)&addr, sizeof addr) != 0 ||
      listen(listener, SOMAXCONN) != 0) {
    die("listen");
  }
  socklen_t addrLength = sizeof addr;
  getsockname(listener, (struct sockaddr*)&addr, &addrLength);

  const int ep = epoll_create1(EPOLL_CLOEXEC);
  struct epoll_event ev = {.events = EPOLLIN, .data.fd = listener};
  if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, listener, &ev) != 0) {
    die("epoll");
  }
  printf("ready %d\n", ntohs(addr.sin_port));
  fflush(stdout);

  struct epoll_event events[kMaxEvents];
  for (;;) {
    const int ready = epoll_wait(ep, events, kMaxEvents, -1);
    if (ready < 0 && errno != EINTR) {
      die("epoll_wait");
    }
    for (int i = 0; i < ready; ++i) {
      const int fd = events[i].data.fd;
      if (fd == listener) {
        const int client = accept4(listener, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (client < 0) {
          continue;
        }
        if ((size_t)client >= connCapacity) {
          close(client);
          continue;
        }
        struct epoll_event cev = {.events = EPOLLIN, .data.fd = client};
        if (epoll_ctl(ep, EPOLL_CTL_ADD, client, &cev) != 0) {
          die("epoll_ctl");
        }
        continue;
      }
      if (conns[fd].pending != NULL) {
        flushPending(ep, fd); /* only EPOLLOUT is asked for while a backlog exists */
        continue;
      }
      const ssize_t n = recv(fd, buffer, sizeof buffer, 0);
      if (n > 0) {
        sendOrKeep(ep, fd, buffer, (size_t)n);
      } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
        closeConn(fd);
      }
    }
  }
}
