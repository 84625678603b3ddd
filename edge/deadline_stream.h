// An httplib::Stream over one accepted connection (plain TCP, or TLS through
// an SSL*) on a non-blocking socket, whose reads share ONE deadline per
// request: a client trickling a header line at a time cannot hold a thread
// longer than the deadline, however often it sends (httplib's own read
// timeout restarts with every byte).
//
// Reads are buffered: httplib reads header lines a byte at a time, which
// unbuffered cost one recv() (and one clock read) per byte.
//
// Small writes are held and leave together: httplib writes a response's
// head and its body apart, which cost two send()s and two TCP segments per
// answer (and two reads by the client). What is held leaves before the
// stream reads or waits to read (a 100 Continue must reach the client before
// it sends the body), when more would not fit, and at Flush(), which the
// connection's loop calls after each response, before it closes the socket
// (a response streamed by a content provider would need a flush per chunk:
// we have none).
#ifndef SCIM_EDGE_DEADLINE_STREAM_H_
#define SCIM_EDGE_DEADLINE_STREAM_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "common/clock.h"
#include "httplib.h"

namespace scim::edge {

class DeadlineStream : public httplib::Stream {
 public:
  // `fd` must already be non-blocking; `ssl` (null for plain TCP) is bound to
  // it. `stopping` says the server is shutting down: pending waits end.
  // Waits are sliced so that both `stopping` and `clock` (a fake one in
  // tests) are looked at often.
  DeadlineStream(int fd, SSL* ssl, Clock* clock,
                 std::function<bool()> stopping, absl::Duration write_timeout);

  // Bytes one read from the socket asks for. A read of at least this much
  // with nothing buffered goes straight to the caller's memory.
  static constexpr size_t kReadBufferSize = 8192;
  // At most this much written is held back; a larger write leaves at once.
  static constexpr size_t kWriteHoldBytes = 16384;

  // TLS only: the server side of the handshake, within the read deadline.
  bool Handshake();
  // Waits for the first byte of the next request (or the peer closing):
  // true when there is something to read (already buffered included: a
  // pipelined request), false after `timeout` or on stop. Once `draining`
  // says so, it no longer waits: a request that has already arrived is still
  // served, an idle connection is given up.
  bool AwaitRequest(absl::Duration timeout,
                    const std::function<bool()>& draining = nullptr);
  // Every read from the socket from now on fails once `deadline` has passed
  // (what is already buffered was received in time and is still served).
  void set_read_deadline(absl::Time deadline) {
    read_deadline_ = deadline;
    expired_ = false;
  }
  // Whether a read failed because the deadline passed.
  bool expired() const { return expired_; }
  // Reads from the socket so far (recv or SSL_read calls): what buffering
  // saves, for tests.
  int64_t socket_reads() const { return socket_reads_; }
  // Sends what writes have held back, within the write timeout: false when
  // the connection failed (the response did not reach the client whole).
  bool Flush() const;
  // Writes to the socket so far (send or SSL_write calls), for tests.
  int64_t socket_writes() const { return socket_writes_; }

  bool is_readable() const override;
  bool is_writable() const override;
  ssize_t read(char* ptr, size_t size) override;
  ssize_t write(const char* ptr, size_t size) override;
  void get_remote_ip_and_port(std::string& ip, int& port) const override;
  void get_local_ip_and_port(std::string& ip, int& port) const override;
  socket_t socket() const override { return fd_; }

  // The "ip" and port of `fd`'s peer ("" if unknown).
  static void PeerOf(int fd, std::string& ip, int& port);

 private:
  // Polls for `events` until `deadline`; false on timeout, stop, `give_up`
  // or error.
  bool Await(short events, absl::Time deadline,
             const std::function<bool()>& give_up = nullptr) const;
  // One read from the socket into `ptr`, waiting within the read deadline:
  // > 0 bytes read, 0 the peer closed, -1 error or deadline (expired_).
  ssize_t ReadSocket(char* ptr, size_t size);
  // One write to the socket, waiting within `deadline`: bytes written, or
  // -1 on error or timeout.
  ssize_t WriteSocket(const char* ptr, size_t size, absl::Time deadline) const;
  size_t buffered() const { return buffer_end_ - buffer_begin_; }

  const int fd_;
  SSL* const ssl_;
  Clock* const clock_;
  const std::function<bool()> stopping_;
  const absl::Duration write_timeout_;
  absl::Time read_deadline_ = absl::InfiniteFuture();
  bool expired_ = false;
  int64_t socket_reads_ = 0;
  // Written, not yet sent (mutable: a const wait to read sends it first).
  mutable std::string held_;
  mutable int64_t socket_writes_ = 0;
  // Received, not yet read: buffer_[buffer_begin_, buffer_end_).
  std::vector<char> buffer_;
  size_t buffer_begin_ = 0;
  size_t buffer_end_ = 0;
};

}  // namespace scim::edge

#endif  // SCIM_EDGE_DEADLINE_STREAM_H_
