// The edge façade: builds and wires the edge's pieces, and wraps every
// request with its id, metrics and access log line.
#include "edge/edge_server.h"

#include "absl/strings/ascii.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "common/random.h"
#include "edge/access_log.h"
#include "edge/admin/memory_session_store.h"
#include "edge/call.h"
#include "edge/client_origin.h"
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

// Every value of a repeated header, in order, as one comma-separated list.
std::string JoinedHeader(const httplib::Request& req, const char* name) {
  std::string out;
  auto [begin, end] = req.headers.equal_range(name);
  for (auto it = begin; it != end; ++it) {
    if (!out.empty()) out += ",";
    out += it->second;
  }
  return out;
}

}  // namespace

EdgeServer::EdgeServer(EdgeDeps deps, EdgeOptions options)
    : access_log_(options.access_log),
      trusted_proxies_(options.http.trusted_proxies),
      random_(deps.random),
      identity_(deps.identity_router != nullptr
                    ? std::move(deps.identity_router)
                    : std::shared_ptr<sharding::IdentityRouter>(
                          sharding::IdentityRouter::FixedStub(deps.identity))),
      routed_(identity_.get()),
      users_(deps.local_users != nullptr ? std::move(deps.local_users) : UserRpcs(&routed_)),
      groups_(deps.local_groups != nullptr ? std::move(deps.local_groups)
                                           : GroupRpcs(&routed_)),
      readiness_(deps.clock != nullptr ? deps.clock : Clock::Real(), options.dependency_grace),
      admission_(deps.authenticator, deps.denials, deps.rate_limiter),
      resources_(&conditional_),
      bulk_(identity_.get()),
      discovery_(deps.registry, std::move(deps.schemas)),
      clock_(deps.clock != nullptr ? deps.clock : Clock::Real()),
      router_(&readiness_, &oauth_, &admission_, users_.get(), groups_.get(),
              &resources_, &bulk_, &discovery_, options.http.max_body_bytes),
      http_([&] {
        HttpServerOptions http = options.http;
        http.clock = deps.clock;
        return http;
      }()) {}

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

void EdgeServer::Stop(absl::Duration drain) {
  draining_ = true;
  readiness_.SetReady(false);
  http_.Stop(drain);
}

void EdgeServer::Handle(const httplib::Request& req, httplib::Response& res) {
  const absl::Time start = absl::Now();
  Call call{req, res};
  call.https = http_.https();
  call.origin = ResolveClientOrigin(
      trusted_proxies_, req.remote_addr, call.https,
      {req.get_header_value("Host"), JoinedHeader(req, "X-Forwarded-For"),
       JoinedHeader(req, "X-Forwarded-Host"),
       JoinedHeader(req, "X-Forwarded-Proto")});
  call.request_id = req.get_header_value("X-Request-Id");
  if (!IsSaneRequestId(call.request_id)) {
    call.request_id = HexEncode(random_->Bytes(12));
  }
  res.set_header("X-Request-Id", call.request_id);
  router_.Dispatch(call);
  // Draining (Stop): the client opens its next connection elsewhere.
  if (draining_) res.set_header("Connection", "close");
  const absl::Duration latency = absl::Now() - start;
  RecordHttpMetrics(req.method, call.route, res.status, latency);
  if (!call.tenant.empty()) CountTenantRequest(call.principal.tenant, res.status);
  if (access_log_) LogAccess(call, latency);
}

void EdgeServer::EnableAdmin(std::shared_ptr<v1::TokenService::StubInterface> token,
                             std::shared_ptr<v1::AuditService::StubInterface> audit,
                             std::unique_ptr<SessionStore> sessions,
                             absl::Duration session_ttl) {
  sessions_ = sessions != nullptr
                  ? std::move(sessions)
                  : std::make_unique<MemorySessionStore>(
                        clock_, random_ != nullptr ? random_ : RandomSource::Secure());
  admin_ = std::make_unique<AdminApi>(
      std::move(token), AdminApi::Readers{users_.get(), groups_.get(), std::move(audit), &discovery_},
      sessions_.get(), clock_, session_ttl);
  router_.set_admin(admin_.get());
}

}  // namespace scim::edge
