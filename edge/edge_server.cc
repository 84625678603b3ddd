// The edge façade: builds and wires the edge's pieces, and wraps every
// request with its id, metrics and access log line.
#include "edge/edge_server.h"

#include "absl/strings/ascii.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "common/random.h"
#include "edge/access_log.h"
#include "edge/call.h"
#include "edge/edge_metrics.h"
#include "httplib.h"

namespace scim::edge {
namespace {

bool IsSaneRequestId(absl::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id) {
    if (!absl::ascii_isgraph(c)) return false;
  }
  return true;
}

}  // namespace

EdgeServer::EdgeServer(EdgeDeps deps, EdgeOptions options)
    : access_log_(options.access_log),
      random_(deps.random),
      users_(UserRpcs(deps.identity)),
      groups_(GroupRpcs(deps.identity)),
      admission_(deps.authenticator, deps.denials, deps.rate_limiter),
      resources_(&conditional_),
      bulk_(std::move(deps.identity)),
      router_(&readiness_, &oauth_, &admission_, users_.get(), groups_.get(),
              &resources_, &bulk_, deps.registry, options.max_body_bytes),
      http_(HttpServerOptions{options.max_body_bytes, options.threads,
                              options.tls}) {}

EdgeServer::~EdgeServer() { Stop(); }

absl::StatusOr<int> EdgeServer::Start(const std::string& host, int port) {
  absl::StatusOr<int> bound = http_.Start(
      host, port,
      [this](const httplib::Request& req, httplib::Response& res) {
        Handle(req, res);
      });
  if (!bound.ok()) return bound.status();
  readiness_.SetReady(true);
  return bound;
}

void EdgeServer::Stop() {
  readiness_.SetReady(false);
  http_.Stop();
}

void EdgeServer::Handle(const httplib::Request& req, httplib::Response& res) {
  const absl::Time start = absl::Now();
  Call call{req, res};
  call.https = http_.https();
  call.request_id = req.get_header_value("X-Request-Id");
  if (!IsSaneRequestId(call.request_id)) {
    call.request_id = HexEncode(random_->Bytes(12));
  }
  res.set_header("X-Request-Id", call.request_id);
  router_.Dispatch(call);
  const absl::Duration latency = absl::Now() - start;
  RecordHttpMetrics(req.method, call.route, res.status, latency);
  if (access_log_) LogAccess(call, latency);
}

}  // namespace scim::edge
