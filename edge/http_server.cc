// The HTTP(S) listener: httplib settings, the listen thread, start and stop.
#include "edge/http_server.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "edge/error_body.h"
#include "httplib.h"

namespace scim::edge {

HttpServer::HttpServer(HttpServerOptions options) : options_(std::move(options)) {}

HttpServer::~HttpServer() { Stop(); }

absl::StatusOr<int> HttpServer::Start(const std::string& host, int port,
                                      Handler handler) {
  if (options_.tls.serving_tls()) {
    auto ssl = std::make_unique<httplib::SSLServer>(
        options_.tls.cert.c_str(), options_.tls.key.c_str(),
        options_.tls.client_ca.empty() ? nullptr
                                       : options_.tls.client_ca.c_str());
    if (!ssl->is_valid()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "cannot serve HTTPS with ", options_.tls.cert, " and ",
          options_.tls.key));
    }
    server_ = std::move(ssl);
    https_ = true;
  } else {
    server_ = std::make_unique<httplib::Server>();
  }
  httplib::Server& s = *server_;
  const int threads = options_.threads;
  s.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  s.set_tcp_nodelay(true);
  s.set_keep_alive_max_count(100000);
  s.set_keep_alive_timeout(30);
  s.set_payload_max_length(options_.max_body_bytes);
  s.Get(".*", handler);
  s.Post(".*", handler);
  s.Put(".*", handler);
  s.Patch(".*", handler);
  s.Delete(".*", handler);
  s.Options(".*", handler);
  const size_t max_body = options_.max_body_bytes;
  // httplib's own errors (413, 400 for unparsable requests) get SCIM bodies;
  // responses the handler already filled are left alone.
  s.set_error_handler(httplib::Server::HandlerWithResponse(
      [max_body](const httplib::Request&, httplib::Response& res) {
    if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
    std::string detail =
        res.status == 413
            ? absl::StrCat("the request body exceeds the limit of ", max_body,
                           " bytes")
            : absl::StrCat("the request was rejected (HTTP ", res.status, ")");
    res.set_content(ErrorBody(res.status, res.status == 413 ? scim_type::kTooLarge : "",
                              detail),
                    kScimContentType);
    return httplib::Server::HandlerResponse::Handled;
  }));
  s.set_exception_handler(
      [](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
        res.status = 500;
        res.set_content(ErrorBody(500, "", "internal error"), kScimContentType);
      });
  int bound = port;
  if (port == 0) {
    bound = s.bind_to_any_port(host);
    if (bound <= 0) {
      return absl::UnavailableError(absl::StrCat("cannot bind HTTP on ", host));
    }
  } else if (!s.bind_to_port(host, port)) {
    return absl::UnavailableError(
        absl::StrCat("cannot bind HTTP on ", host, ":", port));
  }
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  return bound;
}

void HttpServer::Stop() {
  if (server_) server_->stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace scim::edge
