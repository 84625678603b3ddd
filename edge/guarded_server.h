// httplib servers (plain and TLS) whose per-connection loop is the edge's
// own: a cap on connections per client address, one read deadline per
// request, a bounded keep-alive wait, and the counts /metrics shows. httplib
// 0.11.4 lets a subclass replace process_and_close_socket (private virtual)
// and call process_request (protected); everything else stays httplib's.
#ifndef SCIM_EDGE_GUARDED_SERVER_H_
#define SCIM_EDGE_GUARDED_SERVER_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>

#include "absl/time/time.h"
#include "common/clock.h"
#include "edge/cidr_set.h"
#include "edge/connection_limit.h"
#include "httplib.h"

namespace scim::edge {

struct ConnectionPolicy {
  // Open connections per client address (IPv6: per /64); more are answered
  // 429 and closed (TLS: closed before the handshake).
  int max_per_client = 64;
  // Total time to receive one request's line, headers and body (and the TLS
  // handshake), however slowly the bytes trickle in; then 408 and close.
  absl::Duration request_read_timeout = absl::Seconds(10);
  // How long a connection may sit idle between requests.
  absl::Duration keep_alive_timeout = absl::Seconds(30);
  // A response that the client does not read within this is abandoned.
  absl::Duration write_timeout = absl::Seconds(5);
  // Trusted proxies: many clients share their address, so no cap.
  CidrSet exempt;
};

// What the plain and the TLS server share: the policy, the counts and the
// connection loop.
class ConnectionGuard {
 public:
  using Process = std::function<bool(
      httplib::Stream&, bool close_connection, bool& connection_closed,
      const std::function<void(httplib::Request&)>& setup_request)>;

  // `clock` (the read deadlines) outlives the guard.
  ConnectionGuard(ConnectionPolicy policy, Clock* clock);

  // Serves `fd` until the client closes, idles out, runs out of its read
  // deadline, or the server drains (`draining()`: the request being read or
  // answered completes, with Connection: close, and no other is awaited) or
  // stops (Stop(): every wait ends now); closes it. TLS when `tls` is set.
  void Serve(int fd, SSL_CTX* tls, const std::function<bool()>& draining,
             const Process& process);
  // Ends every connection's waits at once (after a drain ran out of time).
  void Stop() { stopped_ = true; }

  int open_connections() const { return limit_.open(); }
  int in_flight() const { return in_flight_.load(); }
  const ConnectionPolicy& policy() const { return policy_; }

  // Whether the request being answered on this thread failed because its
  // read deadline passed: the error handler then answers 408.
  static bool ReadTimedOutOnThisThread();

 private:
  // 429 with a SCIM body, then close.
  void Refuse(int fd, bool tls);

  const ConnectionPolicy policy_;
  Clock* const clock_;
  ConnectionLimit limit_;
  std::atomic<int> in_flight_{0};
  std::atomic<bool> stopped_{false};
};

class GuardedServer : public httplib::Server {
 public:
  explicit GuardedServer(ConnectionGuard* guard) : guard_(guard) {}

 private:
  bool process_and_close_socket(socket_t sock) override;
  ConnectionGuard* const guard_;
};

class GuardedSslServer : public httplib::SSLServer {
 public:
  GuardedSslServer(const char* cert, const char* key, const char* client_ca,
                   ConnectionGuard* guard)
      : httplib::SSLServer(cert, key, client_ca), guard_(guard) {}

 private:
  bool process_and_close_socket(socket_t sock) override;
  ConnectionGuard* const guard_;
};

// httplib 0.11.4 listens with a backlog of 5: a burst of connections beyond
// it waits for SYN retransmits (seconds), the normal client among them.
// Raises the backlog of `server`'s bound socket to `backlog`.
void WidenListenBacklog(httplib::Server& server, int backlog);

}  // namespace scim::edge

#endif  // SCIM_EDGE_GUARDED_SERVER_H_
