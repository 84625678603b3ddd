// The HTTP(S) listener: httplib settings, the listen thread, start and stop.
#include "edge/http_server.h"

#include <algorithm>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "common/metrics.h"
#include "common/log.h"
#include "common/status.h"
#include "edge/edge_metrics.h"
#include "edge/elastic_task_queue.h"
#include "edge/error_body.h"
#include "edge/guarded_server.h"
#include "httplib.h"

namespace scim::edge {
namespace {

// httplib deletes the task queue its listen loop made; the pool outlives
// that loop (metrics read it), so httplib gets a handle.
class PoolHandle : public httplib::TaskQueue {
 public:
  explicit PoolHandle(std::shared_ptr<ElasticTaskQueue> pool)
      : pool_(std::move(pool)) {}
  void enqueue(std::function<void()> fn) override { pool_->enqueue(std::move(fn)); }
  void shutdown() override { pool_->shutdown(); }

 private:
  std::shared_ptr<ElasticTaskQueue> pool_;
};

}  // namespace

HttpServer::HttpServer(HttpServerOptions options)
    : options_(std::move(options)),
      clock_(options_.clock) {}

HttpServer::~HttpServer() { Stop(); }

absl::StatusOr<int> HttpServer::Start(const std::string& host, int port,
                                      Handler handler) {
  ConnectionPolicy policy;
  policy.max_per_client = options_.max_connections_per_client;
  policy.request_read_timeout = options_.request_read_timeout;
  policy.keep_alive_timeout = options_.keep_alive_timeout;
  policy.exempt = options_.trusted_proxies;
  guard_ = std::make_unique<ConnectionGuard>(std::move(policy), clock_);
  ElasticTaskQueue::Options pool;
  pool.warm = std::max(1, options_.threads);
  pool.max = std::max(pool.warm, options_.max_threads);
  pool.on_saturated = [] { CountSaturation("pool_full"); };
  pool_ = std::make_shared<ElasticTaskQueue>(pool, clock_);
  gauges_ = std::make_unique<GaugeHook>(
      "http", "listener", "edge",
      [guard = guard_.get(), pool = pool_.get()] {
        const ElasticTaskQueue::Stats s = pool->stats();
        return std::vector<std::pair<std::string, double>>{
            {"in_flight_requests", guard->in_flight()},
            {"open_connections", guard->open_connections()},
            {"pool_threads", s.threads},
            {"pool_threads_busy", s.busy},
            {"pool_queued_connections", s.queued}};
      });
  if (options_.tls.serving_tls()) {
    auto ssl = std::make_unique<GuardedSslServer>(
        options_.tls.cert.c_str(), options_.tls.key.c_str(),
        options_.tls.client_ca.empty() ? nullptr
                                       : options_.tls.client_ca.c_str(),
        guard_.get());
    if (!ssl->is_valid()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "cannot serve HTTPS with ", options_.tls.cert, " and ",
          options_.tls.key));
    }
    server_ = std::move(ssl);
    https_ = true;
    if (absl::StatusOr<std::string> pem = ReadFileToString(options_.tls.cert); pem.ok()) {
      ExportCertificateExpiry(*pem, "http");
    }
  } else {
    server_ = std::make_unique<GuardedServer>(guard_.get());
  }
  httplib::Server& s = *server_;
  s.new_task_queue = [pool = pool_] { return new PoolHandle(pool); };
  s.set_tcp_nodelay(true);
  // The keep-alive wait and read deadlines are the guard's (guarded_server.h);
  // httplib only announces the keep-alive timeout in its Keep-Alive header.
  s.set_keep_alive_max_count(100000);
  s.set_keep_alive_timeout(static_cast<time_t>(
      absl::ToInt64Seconds(options_.keep_alive_timeout)));
  s.set_payload_max_length(options_.max_body_bytes);
  s.Get(".*", handler);
  s.Post(".*", handler);
  s.Put(".*", handler);
  s.Patch(".*", handler);
  s.Delete(".*", handler);
  s.Options(".*", handler);
  const size_t max_body = options_.max_body_bytes;
  const absl::Duration read_timeout = options_.request_read_timeout;
  // httplib's own errors (413, 400 for unparsable requests, 408 when the
  // request did not arrive in time) get SCIM bodies; responses the handler
  // already filled are left alone.
  s.set_error_handler(httplib::Server::HandlerWithResponse(
      [max_body, read_timeout](const httplib::Request&, httplib::Response& res) {
    if (ConnectionGuard::ReadTimedOutOnThisThread()) {
      res.status = 408;
      res.set_header("Connection", "close");
      res.set_content(
          ErrorBody(408, "",
                    absl::StrCat("the request was not received within ",
                                 absl::FormatDuration(read_timeout))),
          kScimContentType);
      return httplib::Server::HandlerResponse::Handled;
    }
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
  // Never expected (client input is checked without exceptions): log it
  // with the request id and tell the client nothing else.
  s.set_exception_handler([](const httplib::Request& req, httplib::Response& res,
                             std::exception_ptr error) {
    std::string what = "unknown exception";
    try {
      if (error) std::rethrow_exception(error);
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
    }
    const std::string request_id = res.get_header_value("X-Request-Id");
    LogError("unhandled exception",
             {{"request_id", request_id}, {"method", req.method}, {"error", what}});
    res.status = 500;
    res.set_content(
        ErrorBody(500, "", absl::StrCat("internal error (request id ", request_id, ")")),
        kScimContentType);
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
  WidenListenBacklog(s, 1024);
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  return bound;
}

void HttpServer::Stop(absl::Duration drain) {
  if (server_) server_->stop();  // the listener closes; connections drain
  // Bounded: past `drain`, every connection's waits end.
  absl::Notification drained;
  std::thread deadline;
  if (guard_ != nullptr) {
    deadline = std::thread([this, drain, &drained] {
      if (!drained.WaitForNotificationWithTimeout(drain)) guard_->Stop();
    });
  }
  if (thread_.joinable()) thread_.join();
  // Never listened (Start failed to bind): the pool's threads are still up.
  if (pool_) pool_->shutdown();
  drained.Notify();
  if (deadline.joinable()) deadline.join();
}

}  // namespace scim::edge
