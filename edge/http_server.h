// The HTTP(S) listener: httplib settings, the listen thread, start and stop.
// Every request goes to one handler; routing is the router's business.
#ifndef SCIM_EDGE_HTTP_SERVER_H_
#define SCIM_EDGE_HTTP_SERVER_H_

#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "common/tls.h"

namespace httplib {
class Server;
struct Request;
struct Response;
}  // namespace httplib

namespace scim::edge {

struct HttpServerOptions {
  // Bodies above this get 413 with a SCIM body.
  size_t max_body_bytes = 1 << 20;
  // Pool threads: each serves one keep-alive connection at a time.
  int threads = 64;
  // HTTPS when tls.cert is set.
  TlsFiles tls;
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
  // Stops accepting and waits for the serving thread.
  void Stop();
  // Whether Start serves HTTPS; set before the first request is served.
  bool https() const { return https_; }

 private:
  const HttpServerOptions options_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  bool https_ = false;
};

}  // namespace scim::edge

#endif  // SCIM_EDGE_HTTP_SERVER_H_
