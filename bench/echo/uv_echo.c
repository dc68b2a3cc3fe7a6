/* uv_echo: idiomatic libuv echo server for the echo suite (issue #9).
 *
 * Written as libuv's own guide writes it (docs/code/tcp-echo-server/main.c): uv_read_start with
 * an alloc_cb that mallocs the suggested size, one uv_write per read that takes over the buffer,
 * and the write callback frees the request and the buffer. Nothing here is tuned beyond that
 * example, except a larger backlog and a raised descriptor limit, which every server in the
 * suite gets.
 *
 * Usage: uv_echo [port]   (port 0 or none: any free port)
 * Prints "ready <port>" once listening on 127.0.0.1; SIGTERM or SIGINT ends it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>

#include <uv.h>

typedef struct {
  uv_write_t req;
  uv_buf_t buf;
} write_req_t;

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

static void allocBuffer(uv_handle_t* handle, size_t suggestedSize, uv_buf_t* buf) {
  (void)handle;
  buf->base = malloc(suggestedSize);
  buf->len = suggestedSize;
}

static void onClose(uv_handle_t* handle) {
  free(handle);
}

static void echoWrite(uv_write_t* req, int status) {
  if (status != 0) {
    fprintf(stderr, "write error: %s\n", uv_strerror(status));
  }
  write_req_t* wr = (write_req_t*)req;
  free(wr->buf.base);
  free(wr);
}

static void echoRead(uv_stream_t* client, ssize_t nread, const uv_buf_t* buf) {
  if (nread > 0) {
    write_req_t* req = malloc(sizeof *req);
    req->buf = uv_buf_init(buf->base, (unsigned int)nread);
    uv_write(&req->req, client, &req->buf, 1, echoWrite);
    return;
  }
  if (nread < 0) {
    uv_close((uv_handle_t*)client, onClose);
  }
  free(buf->base);
}

static void onNewConnection(uv_stream_t* server, int status) {
  if (status < 0) {
    return;
  }
  uv_tcp_t* client = malloc(sizeof *client);
  uv_tcp_init(server->loop, client);
  if (uv_accept(server, (uv_stream_t*)client) == 0) {
    uv_read_start((uv_stream_t*)client, allocBuffer, echoRead);
  } else {
    uv_close((uv_handle_t*)client, onClose);
  }
}

int main(int argc, char** argv) {
  const int port = argc > 1 ? atoi(argv[1]) : 0;
  raiseFdLimit();
  uv_loop_t* loop = uv_default_loop();
  uv_tcp_t server;
  uv_tcp_init(loop, &server);
  struct sockaddr_in addr;
  uv_ip4_addr("127.0.0.1", port, &addr);
  uv_tcp_bind(&server, (const struct sockaddr*)&addr, 0);
  const int r = uv_listen((uv_stream_t*)&server, SOMAXCONN, onNewConnection);
  if (r != 0) {
    fprintf(stderr, "listen error: %s\n", uv_strerror(r));
    return 1;
  }
  struct sockaddr_in bound;
  int length = sizeof bound;
  uv_tcp_getsockname(&server, (struct sockaddr*)&bound, &length);
  printf("ready %d\n", ntohs(bound.sin_port));
  fflush(stdout);
  return uv_run(loop, UV_RUN_DEFAULT);
}
