// The HTTP(S) listener: httplib settings, the listen thread, start and stop.
// Every request goes to one handler; routing is the router's business.
#ifndef SCIM_EDGE_HTTP_SERVER_H_
#define SCIM_EDGE_HTTP_SERVER_H_

#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "common/tls.h"
#include "edge/cidr_set.h"

namespace httplib {
class Server;
struct Request;
struct Response;
}  // namespace httplib

namespace scim {
class GaugeHook;
}  // namespace scim

namespace scim::edge {

class ConnectionGuard;
class ElasticTaskQueue;

struct HttpServerOptions {
  // Bodies above this get 413 with a SCIM body.
  size_t max_body_bytes = 1 << 20;
  // Pool threads kept warm; each serves one connection at a time, and the
  // pool grows on demand up to max_threads (then connections wait).
  int threads = 16;
  int max_threads = 512;
  // Open connections per client address (trusted proxies exempt).
  int max_connections_per_client = 64;
  // Total time to receive a request's headers and body.
  absl::Duration request_read_timeout = absl::Seconds(10);
  absl::Duration keep_alive_timeout = absl::Seconds(30);
  // Peers allowed to hold any number of connections (they carry many
  // clients).
  CidrSet trusted_proxies;
  // HTTPS when tls.cert is set.
  TlsFiles tls;
  // Read deadlines, keep-alive and idle threads (required).
  Clock* clock = nullptr;
};

class HttpServer {
 public:
  using Handler =
      std::function<void(const httplib::Request&, httplib::Response&)>;

  explicit HttpServer(HttpServerOptions options);
  ~HttpServer();

  // Binds `host:port` (0 = any free port), serves every method and path with
  // `handler` in a background thread and returns the bound port.
  absl::StatusOr<int> Start(const std::string& host, int port, Handler handler);
  // Stops accepting and waits for the serving thread. Open connections
  // drain: a request being received or answered completes (with
  // Connection: close), idle ones close; after `drain` every wait ends.
  void Stop(absl::Duration drain = absl::ZeroDuration());
  // Whether Start serves HTTPS; set before the first request is served.
  bool https() const { return https_; }

 private:
  const HttpServerOptions options_;
  Clock* const clock_;
  std::unique_ptr<ConnectionGuard> guard_;
  std::shared_ptr<ElasticTaskQueue> pool_;
  // scim_http_{in_flight_requests,open_connections,pool_threads,...}.
  std::unique_ptr<GaugeHook> gauges_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  bool https_ = false;
};

}  // namespace scim::edge

#endif  // SCIM_EDGE_HTTP_SERVER_H_
