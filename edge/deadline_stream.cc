// A connection's stream with one read deadline per request (see
// deadline_stream.h).
#include "edge/deadline_stream.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include <openssl/ssl.h>

namespace scim::edge {
namespace {

// How often a wait looks at the stop flag and the clock.
constexpr absl::Duration kSlice = absl::Milliseconds(100);

void AddressOf(const sockaddr_storage& addr, socklen_t len, std::string& ip,
               int& port) {
  char host[NI_MAXHOST] = {};
  char serv[NI_MAXSERV] = {};
  if (getnameinfo(reinterpret_cast<const sockaddr*>(&addr), len, host,
                  sizeof(host), serv, sizeof(serv),
                  NI_NUMERICHOST | NI_NUMERICSERV) == 0) {
    ip = host;
    port = std::atoi(serv);
  }
}

}  // namespace

DeadlineStream::DeadlineStream(int fd, SSL* ssl, Clock* clock,
                               std::function<bool()> stopping,
                               absl::Duration write_timeout)
    : fd_(fd),
      ssl_(ssl),
      clock_(clock),
      stopping_(std::move(stopping)),
      write_timeout_(write_timeout),
      buffer_(kReadBufferSize) {}

bool DeadlineStream::Await(short events, absl::Time deadline,
                           const std::function<bool()>& give_up) const {
  for (;;) {
    if (stopping_() || (give_up != nullptr && give_up())) return false;
    const absl::Duration left = deadline - clock_->Now();
    if (left <= absl::ZeroDuration()) return false;
    pollfd p{fd_, events, 0};
    const int ms = static_cast<int>(
        std::max<int64_t>(1, absl::ToInt64Milliseconds(std::min(left, kSlice))));
    const int r = poll(&p, 1, ms);
    if (r > 0) return true;  // ready, or an error/hang-up the next call reports
    if (r < 0 && errno != EINTR) return false;
  }
}

bool DeadlineStream::Handshake() {
  for (;;) {
    const int r = SSL_accept(ssl_);
    if (r == 1) return true;
    const int err = SSL_get_error(ssl_, r);
    if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE) return false;
    if (!Await(err == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, read_deadline_)) {
      return false;
    }
  }
}

bool DeadlineStream::AwaitRequest(absl::Duration timeout,
                                  const std::function<bool()>& draining) {
  if (!Flush()) return false;
  // A pipelined request already read from the socket never shows in poll().
  if (buffered() > 0) return true;
  if (ssl_ != nullptr && SSL_pending(ssl_) > 0) return true;
  if (Await(POLLIN, clock_->Now() + timeout, draining)) return true;
  if (draining == nullptr || !draining() || stopping_()) return false;
  // Draining: only what the client has already sent.
  pollfd p{fd_, POLLIN, 0};
  return poll(&p, 1, 0) > 0 && (p.revents & POLLIN) != 0;
}

bool DeadlineStream::is_readable() const {
  if (buffered() > 0) return true;
  // The peer may be waiting for what is held (100 Continue) before it sends.
  if (!Flush()) return false;
  if (ssl_ != nullptr && SSL_pending(ssl_) > 0) return true;
  return Await(POLLIN, read_deadline_);
}

bool DeadlineStream::is_writable() const {
  return Await(POLLOUT, clock_->Now() + write_timeout_);
}

ssize_t DeadlineStream::read(char* ptr, size_t size) {
  if (size == 0) return 0;
  if (buffered() == 0) {
    // A body read in large chunks gains nothing from a copy.
    if (size >= buffer_.size()) return ReadSocket(ptr, size);
    const ssize_t n = ReadSocket(buffer_.data(), buffer_.size());
    if (n <= 0) return n;
    buffer_begin_ = 0;
    buffer_end_ = static_cast<size_t>(n);
  }
  const size_t n = std::min(size, buffered());
  std::memcpy(ptr, buffer_.data() + buffer_begin_, n);
  buffer_begin_ += n;
  return static_cast<ssize_t>(n);
}

ssize_t DeadlineStream::ReadSocket(char* ptr, size_t size) {
  if (!Flush()) return -1;
  for (;;) {
    if (clock_->Now() >= read_deadline_) {
      expired_ = true;
      return -1;
    }
    ++socket_reads_;
    if (ssl_ != nullptr) {
      const int n = SSL_read(ssl_, ptr, static_cast<int>(std::min<size_t>(size, INT32_MAX)));
      if (n > 0) return n;
      const int err = SSL_get_error(ssl_, n);
      if (err == SSL_ERROR_ZERO_RETURN) return 0;
      if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE) return -1;
      const short events = err == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT;
      if (!Await(events, read_deadline_)) {
        expired_ = clock_->Now() >= read_deadline_;
        return -1;
      }
      continue;
    }
    const ssize_t n = recv(fd_, ptr, size, 0);
    if (n >= 0) return n;
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) return -1;
    if (!Await(POLLIN, read_deadline_)) {
      expired_ = clock_->Now() >= read_deadline_;
      return -1;
    }
  }
}

ssize_t DeadlineStream::write(const char* ptr, size_t size) {
  // What would not fit beside what is held sends that first.
  if (held_.size() + size > kWriteHoldBytes && !Flush()) return -1;
  if (held_.size() + size <= kWriteHoldBytes) {
    held_.append(ptr, size);
    return static_cast<ssize_t>(size);
  }
  return WriteSocket(ptr, size, clock_->Now() + write_timeout_);
}

bool DeadlineStream::Flush() const {
  if (held_.empty()) return true;
  const absl::Time deadline = clock_->Now() + write_timeout_;
  size_t sent = 0;
  while (sent < held_.size()) {
    const ssize_t n = WriteSocket(held_.data() + sent, held_.size() - sent, deadline);
    if (n < 0) {
      held_.clear();
      return false;
    }
    sent += static_cast<size_t>(n);
  }
  held_.clear();
  return true;
}

ssize_t DeadlineStream::WriteSocket(const char* ptr, size_t size, absl::Time deadline) const {
  for (;;) {
    ++socket_writes_;
    if (ssl_ != nullptr) {
      const int n = SSL_write(ssl_, ptr, static_cast<int>(std::min<size_t>(size, INT32_MAX)));
      if (n > 0) return n;
      const int err = SSL_get_error(ssl_, n);
      if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE) return -1;
      if (!Await(err == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, deadline)) return -1;
      continue;
    }
    const ssize_t n = send(fd_, ptr, size, MSG_NOSIGNAL);
    if (n >= 0) return n;
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) return -1;
    if (!Await(POLLOUT, deadline)) return -1;
  }
}

void DeadlineStream::PeerOf(int fd, std::string& ip, int& port) {
  sockaddr_storage addr{};
  socklen_t len = sizeof(addr);
  if (getpeername(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    AddressOf(addr, len, ip, port);
  }
}

void DeadlineStream::get_remote_ip_and_port(std::string& ip, int& port) const {
  PeerOf(fd_, ip, port);
}

void DeadlineStream::get_local_ip_and_port(std::string& ip, int& port) const {
  sockaddr_storage addr{};
  socklen_t len = sizeof(addr);
  if (getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    AddressOf(addr, len, ip, port);
  }
}

}  // namespace scim::edge
