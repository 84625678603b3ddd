// The route table and the health endpoints (see router.h).
#include "edge/router.h"

#include "absl/strings/match.h"
#include "edge/admin/console_handler.h"

#include <chrono>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/metrics.h"
#include "common/request_metadata.h"
#include "edge/discovery_handler.h"
#include "httplib.h"

namespace scim::edge {

void Readiness::AddDependency(std::string name,
                              std::shared_ptr<grpc::ChannelInterface> channel) {
  dependencies_.emplace_back(std::move(name), std::move(channel));
}

absl::StatusOr<std::string> Readiness::Check() const {
  if (!ready_) return absl::UnavailableError("not ready");
  std::vector<std::string> down;
  for (const auto& [name, channel] : dependencies_) {
    if (!channel->WaitForConnected(std::chrono::system_clock::now() +
                                   std::chrono::milliseconds(300))) {
      down.push_back(name);
    }
  }
  const absl::Time now = clock_->Now();
  if (down.size() < dependencies_.size() || dependencies_.empty()) {
    last_reachable_ = absl::ToUnixNanos(now);
  } else if (now - absl::FromUnixNanos(last_reachable_) >= grace_) {
    return absl::UnavailableError(
        absl::StrCat("not ready: nothing the edge calls has been reachable for ",
                     absl::FormatDuration(grace_), " (", absl::StrJoin(down, ", "), ")"));
  }
  return down.empty() ? std::string()
                      : absl::StrCat(absl::StrJoin(down, ", "), " unreachable");
}

Router::Router(const Readiness* readiness, OAuthHandler* oauth,
               Admission* admission, ResourceRpcs* users, ResourceRpcs* groups,
               ResourceHandler* resources, BulkHandler* bulk,
               const TenantDiscovery* discovery, size_t max_body_bytes)
    : readiness_(readiness),
      oauth_(oauth),
      admission_(admission),
      users_(users),
      groups_(groups),
      resources_(resources),
      bulk_(bulk),
      discovery_(discovery),
      max_body_bytes_(max_body_bytes) {}

void Router::Dispatch(Call& call) {
  const std::string& path = call.req.path;
  if (path == "/healthz") {
    call.route = "/healthz";
    call.res.set_content("{\"status\":\"ok\"}", "application/json");
    return;
  }
  if (oauth_->enabled() && path == "/oauth/token") {
    call.route = "/oauth/token";
    oauth_->HandleToken(call);
    return;
  }
  if (oauth_->enabled() && path == "/.well-known/jwks.json") {
    call.route = "/.well-known/jwks.json";
    oauth_->HandleJwks(call);
    return;
  }
  if (admin_ != nullptr && absl::StartsWith(path, "/admin/api/")) {
    admin_->Handle(call);
    return;
  }
  if (admin_ != nullptr && (path == "/admin" || absl::StartsWith(path, "/admin/"))) {
    HandleConsole(call);
    return;
  }
  if (path == "/metrics") {
    call.route = "/metrics";
    call.res.set_content(MetricsText(), "text/plain; version=0.0.4");
    return;
  }
  if (path == "/readyz") {
    call.route = "/readyz";
    absl::StatusOr<std::string> degraded = readiness_->Check();
    if (!degraded.ok()) {
      call.Error(503, "", degraded.status().message());
      return;
    }
    call.res.set_content(degraded->empty()
                             ? std::string("{\"status\":\"ready\"}")
                             : ::scim::Json{{"status", "degraded"}, {"detail", *degraded}}.dump(),
                         "application/json");
    return;
  }
  // /t/{tenant}/scim/v2/{resource path}
  std::vector<absl::string_view> parts =
      absl::StrSplit(absl::string_view(path).substr(1), '/');
  if (!parts.empty() && parts.back().empty()) parts.pop_back();  // "/Users/"
  if (parts.size() < 4 || parts[0] != "t" || parts[2] != "scim" ||
      parts[3] != "v2") {
    call.Error(404, "", absl::StrCat("no such endpoint: ", path));
    return;
  }
  call.tenant = std::string(parts[1]);
  if (!IsValidTenantId(call.tenant)) {
    call.Error(404, "", absl::StrCat("no such tenant: '", call.tenant, "'"));
    return;
  }

  // Authenticate before anything else under a tenant.
  if (!admission_->Admit(call)) return;

  const size_t rest = parts.size() - 4;
  absl::string_view resource = rest >= 1 ? parts[4] : "";
  const std::string sub = rest == 2 ? std::string(parts[5]) : "";
  if (rest == 1 && resource == ".search") {
    call.route = "/t/{tenant}/scim/v2/.search";
    // The root search covers Users, the resource type IdPs search for.
    resources_->HandleSearch(call, *users_);
    return;
  }
  for (ResourceRpcs* rpcs : {users_, groups_}) {
    if (resource != rpcs->endpoint() || rest > 2) continue;
    if (sub == ".search") {
      call.route = absl::StrCat("/t/{tenant}/scim/v2/", resource, "/.search");
      resources_->HandleSearch(call, *rpcs);
    } else {
      resources_->Handle(call, *rpcs, sub);
    }
    return;
  }
  if ((resource == "ServiceProviderConfig" && rest == 1) ||
      ((resource == "ResourceTypes" || resource == "Schemas") && rest <= 2)) {
    absl::StatusOr<std::shared_ptr<const SchemaRegistry>> registry = discovery_->For(call);
    if (!registry.ok()) {
      call.Error(registry.status());
      return;
    }
    HandleDiscovery(call, **registry, std::string(resource), sub, max_body_bytes_);
    return;
  }
  if (resource == "Me") {
    call.route = "/t/{tenant}/scim/v2/Me";
    call.Error(501, "", "/Me is not supported: credentials are not users");
    return;
  }
  if (resource == "Bulk" && rest == 1) {
    call.route = "/t/{tenant}/scim/v2/Bulk";
    bulk_->Handle(call);
    return;
  }
  call.Error(404, "", absl::StrCat("no such endpoint: ", path));
}

}  // namespace scim::edge
