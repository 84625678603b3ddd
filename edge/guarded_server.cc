// The edge's own per-connection loop for httplib (see guarded_server.h).
#include "edge/guarded_server.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/ssl.h>

#include <utility>

#include "absl/strings/str_cat.h"
#include "edge/deadline_stream.h"
#include "edge/edge_metrics.h"
#include "edge/error_body.h"

namespace scim::edge {
namespace {

thread_local const DeadlineStream* current_stream = nullptr;

// Half-closes, takes what the client already sent (closing with unread
// bytes sends a reset that can overtake our last answer), closes.
void CloseSocket(int fd) {
  shutdown(fd, SHUT_WR);
  char sink[4096];
  for (int i = 0; i < 4 && recv(fd, sink, sizeof(sink), MSG_DONTWAIT) > 0; ++i) {
  }
  close(fd);
}

}  // namespace

ConnectionGuard::ConnectionGuard(ConnectionPolicy policy, Clock* clock)
    : policy_(std::move(policy)),
      clock_(clock),
      limit_(policy_.max_per_client, policy_.exempt) {}

bool ConnectionGuard::ReadTimedOutOnThisThread() {
  return current_stream != nullptr && current_stream->expired();
}

void ConnectionGuard::Refuse(int fd, bool tls) {
  CountSaturation("client_cap");
  // A TLS refusal would cost a handshake, the very work an attacker wants
  // us to spend: just close.
  if (!tls) {
    const std::string body = ErrorBody(
        429, "",
        absl::StrCat("too many open connections from this address (at most ",
                     policy_.max_per_client, "); reuse or close some"));
    const std::string response = absl::StrCat(
        "HTTP/1.1 429 Too Many Requests\r\nContent-Type: ", kScimContentType,
        "\r\nContent-Length: ", body.size(),
        "\r\nRetry-After: 1\r\nConnection: close\r\n\r\n", body);
    // A fresh socket's send buffer takes this at once; never wait for it.
    (void)send(fd, response.data(), response.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  }
  CloseSocket(fd);
}

void ConnectionGuard::Serve(int fd, SSL_CTX* tls,
                            const std::function<bool()>& draining,
                            const Process& process) {
  const std::function<bool()> stopping = [this] { return stopped_.load(); };
  std::string peer;
  int port = 0;
  DeadlineStream::PeerOf(fd, peer, port);
  if (!limit_.Acquire(peer)) {
    Refuse(fd, tls != nullptr);
    return;
  }
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  SSL* ssl = nullptr;
  if (tls != nullptr) {
    ssl = SSL_new(tls);
    if (ssl != nullptr) SSL_set_fd(ssl, fd);
  }
  DeadlineStream stream(fd, ssl, clock_, stopping, policy_.write_timeout);
  stream.set_read_deadline(clock_->Now() + policy_.request_read_timeout);
  bool clean = tls == nullptr || (ssl != nullptr && stream.Handshake());
  if (clean) {
    std::function<void(httplib::Request&)> setup;
    if (ssl != nullptr) setup = [ssl](httplib::Request& req) { req.ssl = ssl; };
    current_stream = &stream;
    while (!stopping() && stream.AwaitRequest(policy_.keep_alive_timeout, draining)) {
      stream.set_read_deadline(clock_->Now() + policy_.request_read_timeout);
      bool closed = false;
      ++in_flight_;
      // While draining, the answer says Connection: close: the client opens
      // its next connection elsewhere.
      clean = process(stream, draining(), closed, setup);
      // The response leaves in one piece (deadline_stream.h).
      if (!stream.Flush()) clean = false;
      --in_flight_;
      if (!clean || closed || stream.expired()) break;
    }
    current_stream = nullptr;
  }
  if (ssl != nullptr) {
    if (clean) SSL_shutdown(ssl);
    SSL_free(ssl);
  }
  CloseSocket(fd);
  limit_.Release(peer);
}

bool GuardedServer::process_and_close_socket(socket_t sock) {
  guard_->Serve(
      sock, nullptr, [this] { return svr_sock_ == INVALID_SOCKET; },
      [this](httplib::Stream& s, bool close, bool& closed,
             const std::function<void(httplib::Request&)>& setup) {
        return process_request(s, close, closed, setup);
      });
  return true;
}

bool GuardedSslServer::process_and_close_socket(socket_t sock) {
  guard_->Serve(
      sock, ssl_context(), [this] { return svr_sock_ == INVALID_SOCKET; },
      [this](httplib::Stream& s, bool close, bool& closed,
             const std::function<void(httplib::Request&)>& setup) {
        return process_request(s, close, closed, setup);
      });
  return true;
}

namespace {

// Reaches the listening socket, a protected member, of any httplib::Server.
struct ListeningSocket : httplib::Server {
  static socket_t Of(httplib::Server& server) {
    return (server.*(&ListeningSocket::svr_sock_)).load();
  }
};

}  // namespace

void WidenListenBacklog(httplib::Server& server, int backlog) {
  const socket_t fd = ListeningSocket::Of(server);
  // Linux applies a second listen() to the bound socket's backlog.
  if (fd != INVALID_SOCKET) listen(fd, backlog);
}

}  // namespace scim::edge
