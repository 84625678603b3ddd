#include "edge/edge_server.h"

#include <chrono>
#include <limits>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/log.h"
#include "common/metrics.h"
#include "common/random.h"
#include "common/request_metadata.h"
#include "common/status.h"
#include "edge/discovery.h"
#include "edge/error_body.h"
#include "edge/list_query.h"
#include "grpcpp/client_context.h"
#include "httplib.h"
#include "nlohmann/json.hpp"
#include "prometheus/counter.h"
#include "prometheus/histogram.h"
#include "scim/json_codec.h"
#include "scim/patch.h"

namespace scim::edge {
namespace {

using json = Json;

constexpr char kListResponseSchema[] =
    "urn:ietf:params:scim:api:messages:2.0:ListResponse";

constexpr char kPatchOpSchema[] = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
constexpr char kBulkRequestSchema[] =
    "urn:ietf:params:scim:api:messages:2.0:BulkRequest";
constexpr char kBulkResponseSchema[] =
    "urn:ietf:params:scim:api:messages:2.0:BulkResponse";

void RecordHttpMetrics(const std::string& method, const std::string& route,
                       int status, absl::Duration latency) {
  static auto& requests = prometheus::BuildCounter()
                              .Name("scim_http_requests_total")
                              .Help("HTTP requests, by method, route and status")
                              .Register(MetricsRegistry());
  static auto& durations =
      prometheus::BuildHistogram()
          .Name("scim_http_request_duration_seconds")
          .Help("HTTP request latency, by method and route")
          .Register(MetricsRegistry());
  static const auto* buckets = new prometheus::Histogram::BucketBoundaries{
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5};
  requests.Add({{"method", method}, {"route", route},
                {"status", std::to_string(status)}})
      .Increment();
  durations.Add({{"method", method}, {"route", route}}, *buckets)
      .Observe(absl::ToDoubleSeconds(latency));
}

std::string Dump(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

bool IsSaneRequestId(absl::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id) {
    if (!absl::ascii_isgraph(c)) return false;
  }
  return true;
}

}  // namespace

// One request as it moves through the edge.
struct EdgeServer::Call {
  const httplib::Request& req;
  httplib::Response& res;
  std::string request_id;
  std::string route = "unknown";
  bool https = false;
  std::string tenant;
  token::Principal principal;

  void Error(int http, absl::string_view scim_type, absl::string_view detail) {
    res.status = http;
    res.set_content(ErrorBody(http, scim_type, detail), kScimContentType);
  }
  void Error(const absl::Status& status) {
    Error(HttpStatusOf(status), ScimTypeOf(status), status.message());
  }
  void Json(int http, const json& body) {
    res.status = http;
    res.set_content(Dump(body), kScimContentType);
  }
  void MethodNotAllowed(absl::string_view allowed) {
    res.set_header("Allow", std::string(allowed));
    Error(405, "", absl::StrCat("method ", req.method, " is not allowed on ",
                                req.path, "; allowed: ", allowed));
  }

  // scheme://host of the request, as the client (or ingress) sees it.
  std::string Origin() const {
    std::string host = req.get_header_value("X-Forwarded-Host");
    if (host.empty()) host = req.get_header_value("Host");
    if (host.empty()) return "";
    std::string scheme = req.get_header_value("X-Forwarded-Proto");
    if (scheme != "https") scheme = https ? "https" : "http";
    return absl::StrCat(scheme, "://", host);
  }

  // identity-service keeps meta.location as a path; make it absolute here.
  // So are the `$ref`s of members and groups.
  void AbsolutizeLocation(json& resource) const {
    auto absolutize = [this](json& holder, const char* key) {
      auto it = holder.find(key);
      if (it != holder.end() && it->is_string() &&
          absl::StartsWith(it->get<std::string>(), "/")) {
        *it = Origin() + it->get<std::string>();
      }
    };
    if (auto meta = resource.find("meta"); meta != resource.end()) {
      absolutize(*meta, "location");
    }
    for (const char* list : {"members", "groups"}) {
      auto it = resource.find(list);
      if (it == resource.end() || !it->is_array()) continue;
      for (json& element : *it) absolutize(element, "$ref");
    }
  }

  // The tenant's SCIM base URL as the client sees it.
  std::string Base() const {
    return absl::StrCat(Origin(), "/t/", tenant, "/scim/v2");
  }

  std::unique_ptr<grpc::ClientContext> GrpcContext() const {
    auto context = std::make_unique<grpc::ClientContext>();
    context->set_deadline(std::chrono::system_clock::now() +
                          std::chrono::seconds(10));
    context->AddMetadata(kRequestIdMetadata, request_id);
    context->AddMetadata(kActorMetadata, principal.credential_id);
    context->AddMetadata(kClientAddressMetadata, req.remote_addr);
    // identity-service checks the caller's credential itself.
    context->AddMetadata("authorization", req.get_header_value("Authorization"));
    return context;
  }

  // Parses the request body as a JSON object, answering 415/400 itself.
  bool ParseBody(json* out) {
    std::string type = req.get_header_value("Content-Type");
    absl::string_view media = absl::StripAsciiWhitespace(
        absl::string_view(type).substr(0, type.find(';')));
    if (!media.empty() &&
        !absl::EqualsIgnoreCase(media, "application/scim+json") &&
        !absl::EqualsIgnoreCase(media, "application/json")) {
      Error(415, "",
            absl::StrCat("Content-Type '", media,
                         "' is not supported; send application/scim+json or "
                         "application/json"));
      return false;
    }
    try {
      *out = json::parse(req.body);
    } catch (const json::parse_error& e) {
      Error(400, scim_type::kInvalidSyntax,
            absl::StrCat("the request body is not valid JSON: ", e.what()));
      return false;
    }
    return true;
  }
};

EdgeServer::EdgeServer(
    std::shared_ptr<v1::IdentityService::StubInterface> identity,
    token::Authenticator* authenticator, EdgeOptions options,
    DenialRecorder* denials, RateLimiter* rate_limiter)
    : identity_(std::move(identity)),
      users_(UserRpcs(identity_)),
      groups_(GroupRpcs(identity_)),
      authenticator_(authenticator),
      options_(options),
      denials_(denials),
      rate_limiter_(rate_limiter) {}

EdgeServer::~EdgeServer() { Stop(); }

absl::StatusOr<int> EdgeServer::Start(const std::string& host, int port) {
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
  auto handler = [this](const httplib::Request& req, httplib::Response& res) {
    Handle(req, res);
  };
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
  ready_ = true;
  return bound;
}

void EdgeServer::AddDependency(
    std::string name, std::shared_ptr<grpc::ChannelInterface> channel) {
  dependencies_.emplace_back(std::move(name), std::move(channel));
}

void EdgeServer::Stop() {
  ready_ = false;
  if (server_) server_->stop();
  if (thread_.joinable()) thread_.join();
}

void EdgeServer::Handle(const httplib::Request& req, httplib::Response& res) {
  const absl::Time start = absl::Now();
  Call call{req, res};
  call.https = https_;
  call.request_id = req.get_header_value("X-Request-Id");
  if (!IsSaneRequestId(call.request_id)) {
    call.request_id = HexEncode(RandomSource::Secure()->Bytes(12));
  }
  res.set_header("X-Request-Id", call.request_id);
  Dispatch(call);
  const absl::Duration latency = absl::Now() - start;
  RecordHttpMetrics(req.method, call.route, res.status, latency);
  if (options_.access_log) {
    LogInfo("request",
            {{"request_id", call.request_id},
             {"method", req.method},
             {"route", call.route},
             {"status", absl::StrCat(res.status)},
             {"latency_ms", absl::StrCat(absl::ToDoubleMilliseconds(latency))},
             {"tenant", call.tenant},
             {"credential", call.principal.credential_id},
             {"remote", req.remote_addr}});
  }
}

void EdgeServer::Dispatch(Call& call) {
  const std::string& path = call.req.path;
  if (path == "/healthz") {
    call.route = "/healthz";
    call.res.set_content("{\"status\":\"ok\"}", "application/json");
    return;
  }
  if (oauth_ && path == "/oauth/token") {
    call.route = "/oauth/token";
    HandleOAuthToken(call);
    return;
  }
  if (oauth_ && path == "/.well-known/jwks.json") {
    call.route = "/.well-known/jwks.json";
    HandleJwks(call);
    return;
  }
  if (path == "/metrics") {
    call.route = "/metrics";
    call.res.set_content(MetricsText(), "text/plain; version=0.0.4");
    return;
  }
  if (path == "/readyz") {
    call.route = "/readyz";
    if (!ready_) {
      call.Error(503, "", "not ready");
      return;
    }
    for (const auto& [name, channel] : dependencies_) {
      if (!channel->WaitForConnected(std::chrono::system_clock::now() +
                                     std::chrono::milliseconds(300))) {
        call.Error(503, "", absl::StrCat("not ready: ", name, " is unreachable"));
        return;
      }
    }
    call.res.set_content("{\"status\":\"ready\"}", "application/json");
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
  std::string auth = call.req.get_header_value("Authorization");
  if (!absl::StartsWithIgnoreCase(auth, "Bearer ") ||
      absl::StripAsciiWhitespace(auth.substr(7)).empty()) {
    call.res.set_header("WWW-Authenticate", "Bearer realm=\"scim\"");
    Deny(call, 401,
         "authentication required: send Authorization: Bearer <API key>");
    return;
  }
  auto principal = authenticator_->Verify(
      std::string(absl::StripAsciiWhitespace(auth.substr(7))));
  if (!principal.ok()) {
    if (principal.status().code() != absl::StatusCode::kUnauthenticated) {
      call.Error(principal.status());  // token-service unreachable: 503
      return;
    }
    call.res.set_header("WWW-Authenticate",
                        "Bearer realm=\"scim\", error=\"invalid_token\"");
    Deny(call, 401, std::string(principal.status().message()));
    return;
  }
  call.principal = *principal;
  if (principal->tenant != call.tenant) {
    // Same answer as an unknown key: nothing about tenant B leaks to A. The
    // audit event names the key, for tenant A's security team.
    call.res.set_header("WWW-Authenticate",
                        "Bearer realm=\"scim\", error=\"invalid_token\"");
    Deny(call, 401, "the bearer token is not valid for this tenant");
    return;
  }
  if (principal->tenant_disabled) {
    Deny(call, 403,
         absl::StrCat("the SCIM integration for tenant '", call.tenant,
                      "' is disabled"));
    return;
  }
  if (!AdmitRate(call)) return;

  const size_t rest = parts.size() - 4;
  absl::string_view resource = rest >= 1 ? parts[4] : "";
  const std::string sub = rest == 2 ? std::string(parts[5]) : "";
  if (rest == 1 && resource == ".search") {
    call.route = "/t/{tenant}/scim/v2/.search";
    // The root search covers Users, the resource type IdPs search for.
    HandleSearch(call, *users_);
    return;
  }
  for (ResourceRpcs* rpcs : {users_.get(), groups_.get()}) {
    if (resource != rpcs->endpoint() || rest > 2) continue;
    if (sub == ".search") {
      call.route = absl::StrCat("/t/{tenant}/scim/v2/", resource, "/.search");
      HandleSearch(call, *rpcs);
    } else {
      HandleResource(call, *rpcs, sub);
    }
    return;
  }
  if ((resource == "ServiceProviderConfig" && rest == 1) ||
      ((resource == "ResourceTypes" || resource == "Schemas") && rest <= 2)) {
    HandleDiscovery(call, std::string(resource), sub);
    return;
  }
  if (resource == "Me") {
    call.route = "/t/{tenant}/scim/v2/Me";
    call.Error(501, "", "/Me is not supported: credentials are not users");
    return;
  }
  if (resource == "Bulk" && rest == 1) {
    call.route = "/t/{tenant}/scim/v2/Bulk";
    HandleBulk(call);
    return;
  }
  call.Error(404, "", absl::StrCat("no such endpoint: ", path));
}

namespace {

// RFC 6749 §5.2 error, with the SCIM error fields beside it so that both
// kinds of client can read it.
void OAuthError(httplib::Response& res, int status, const std::string& error,
                const std::string& description) {
  res.status = status;
  nlohmann::ordered_json body = {
      {"error", error},
      {"error_description", description},
      {"schemas", {"urn:ietf:params:scim:api:messages:2.0:Error"}},
      {"status", std::to_string(status)},
      {"detail", description}};
  res.set_header("Cache-Control", "no-store");
  res.set_content(body.dump(), "application/json");
}

}  // namespace

void EdgeServer::HandleOAuthToken(Call& call) {
  if (call.req.method != "POST") {
    call.MethodNotAllowed("POST");
    return;
  }
  const std::string type = call.req.get_header_value("Content-Type");
  if (!absl::StartsWithIgnoreCase(type, "application/x-www-form-urlencoded")) {
    OAuthError(call.res, 400, "invalid_request",
               "send application/x-www-form-urlencoded");
    return;
  }
  if (call.req.get_param_value("grant_type") != "client_credentials") {
    OAuthError(call.res, 400, "unsupported_grant_type",
               "only grant_type=client_credentials is supported");
    return;
  }
  std::string id = call.req.get_param_value("client_id");
  std::string secret = call.req.get_param_value("client_secret");
  const std::string auth = call.req.get_header_value("Authorization");
  if (absl::StartsWithIgnoreCase(auth, "Basic ")) {
    std::string decoded;
    if (!id.empty() || !absl::Base64Unescape(
                           absl::StripAsciiWhitespace(auth.substr(6)), &decoded) ||
        decoded.find(':') == std::string::npos) {
      OAuthError(call.res, 400, "invalid_request",
                 "send the client credentials once, in HTTP Basic or the body");
      return;
    }
    // RFC 6749 §2.3.1: both parts are form-urlencoded inside Basic.
    id = httplib::detail::decode_url(decoded.substr(0, decoded.find(':')), true);
    secret = httplib::detail::decode_url(decoded.substr(decoded.find(':') + 1), true);
  }
  if (id.empty() || secret.empty()) {
    call.res.set_header("WWW-Authenticate", "Basic realm=\"scim\"");
    OAuthError(call.res, 401, "invalid_client", "client credentials required");
    return;
  }
  v1::IssueTokenRequest request;
  request.set_client_id(id);
  request.set_client_secret(secret);
  v1::IssueTokenResponse response;
  auto context = call.GrpcContext();
  absl::Status s = FromGrpcStatus(oauth_->IssueToken(context.get(), request, &response));
  if (!s.ok()) {
    if (s.code() == absl::StatusCode::kUnauthenticated) {
      call.res.set_header("WWW-Authenticate", "Basic realm=\"scim\"");
      OAuthError(call.res, 401, "invalid_client", std::string(s.message()));
    } else {
      call.Error(s);
    }
    return;
  }
  nlohmann::ordered_json body = {{"access_token", response.access_token()},
                                 {"token_type", "Bearer"},
                                 {"expires_in", response.expires_in()}};
  call.res.set_header("Cache-Control", "no-store");
  call.res.set_header("Pragma", "no-cache");
  call.res.set_content(body.dump(), "application/json");
}

void EdgeServer::HandleJwks(Call& call) {
  if (call.req.method != "GET") {
    call.MethodNotAllowed("GET");
    return;
  }
  v1::GetJwksResponse response;
  auto context = call.GrpcContext();
  absl::Status s =
      FromGrpcStatus(oauth_->GetJwks(context.get(), v1::GetJwksRequest(), &response));
  if (!s.ok()) {
    call.Error(s);
    return;
  }
  nlohmann::ordered_json keys = nlohmann::ordered_json::array();
  for (const auto& k : response.keys()) {
    keys.push_back({{"kty", "OKP"},
                    {"crv", "Ed25519"},
                    {"alg", "EdDSA"},
                    {"use", "sig"},
                    {"kid", k.kid()},
                    {"x", Base64UrlEncode(k.public_key())}});
  }
  call.res.set_header("Cache-Control", "max-age=60");
  call.res.set_content(nlohmann::ordered_json{{"keys", keys}}.dump(),
                       "application/json");
}

bool EdgeServer::AdmitRate(Call& call) {
  const token::Principal& p = call.principal;
  if (rate_limiter_ == nullptr || p.rate_limit <= 0) return true;
  const int burst = p.rate_burst > 0 ? p.rate_burst : p.rate_limit;
  RateDecision d =
      rate_limiter_->Admit(call.tenant, p.credential_id, p.rate_limit, burst);
  // SailPoint and others pace themselves by these.
  call.res.set_header("X-RateLimit-Limit", absl::StrCat(p.rate_limit));
  call.res.set_header("X-RateLimit-Remaining", absl::StrCat(d.remaining));
  call.res.set_header(
      "X-RateLimit-Reset",
      absl::StrCat(absl::ToUnixSeconds(d.reset + absl::Seconds(1) -
                                       absl::Nanoseconds(1))));
  if (d.allowed) return true;
  const int64_t retry = std::max<int64_t>(1, absl::ToInt64Seconds(d.retry_after));
  call.res.set_header("Retry-After", absl::StrCat(retry));
  Deny(call, 429,
       absl::StrCat("rate limit of ", p.rate_limit,
                    " requests per second exceeded; retry after ", retry, " s"));
  return false;
}

void EdgeServer::Deny(Call& call, int status, const std::string& detail) {
  call.Error(status, "", detail);
  if (denials_ != nullptr) {
    denials_->Record(call.tenant, status, detail,
                     {call.principal.credential_id, call.req.remote_addr,
                      call.request_id});
  }
}

void EdgeServer::HandleDiscovery(Call& call, const std::string& what,
                                 const std::string& id) {
  call.route = absl::StrCat("/t/{tenant}/scim/v2/", what, id.empty() ? "" : "/{id}");
  if (call.req.method != "GET") {
    call.MethodNotAllowed("GET");
    return;
  }
  const std::string base = call.Base();
  if (what == "ServiceProviderConfig") {
    ServiceLimits limits;
    limits.max_payload_bytes = options_.max_body_bytes;
    call.Json(200, ServiceProviderConfig(base, limits));
    return;
  }
  json out;
  if (what == "ResourceTypes") {
    out = id.empty() ? ResourceTypesList(base) : ResourceTypeDocument(base, id);
  } else {
    out = id.empty() ? SchemasList(base) : SchemaDocument(base, id);
  }
  if (out.is_null()) {
    call.Error(404, "", absl::StrCat("no ", what, " '", id, "'"));
    return;
  }
  call.Json(200, out);
}

void EdgeServer::HandleSearch(Call& call, ResourceRpcs& rpcs) {
  if (call.req.method != "POST") {
    call.MethodNotAllowed("POST");
    return;
  }
  json body;
  if (!call.ParseBody(&body)) return;
  v1::ListRequest query;
  if (absl::Status s = ListRequestFromSearch(body, &query); !s.ok()) {
    call.Error(s);
    return;
  }
  List(call, rpcs, query);
}

void EdgeServer::List(Call& call, ResourceRpcs& rpcs, const v1::ListRequest& query) {
  ListPage page;
  auto context = call.GrpcContext();
  absl::Status s =
      FromGrpcStatus(rpcs.List(context.get(), call.tenant, query, &page));
  if (!s.ok()) {
    call.Error(s);
    return;
  }
  json out;
  out["schemas"] = {kListResponseSchema};
  out["totalResults"] = page.total_results;
  if (!query.has_cursor()) out["startIndex"] = page.start_index;
  out["itemsPerPage"] = page.items_per_page;
  if (!page.next_cursor.empty()) out["nextCursor"] = page.next_cursor;
  if (!page.previous_cursor.empty()) out["previousCursor"] = page.previous_cursor;
  out["Resources"] = json::array();
  for (const auto& resource : page.resources) {
    json encoded = EncodeResource(*resource);
    call.AbsolutizeLocation(encoded);
    out["Resources"].push_back(std::move(encoded));
  }
  call.Json(200, out);
}

namespace {

// RFC 7232 §3.2 with weak comparison: does If-None-Match hold `version`?
bool NoneMatchHolds(absl::string_view header, absl::string_view version) {
  if (version.empty()) return false;
  auto opaque = [](absl::string_view tag) {
    tag = absl::StripAsciiWhitespace(tag);
    absl::ConsumePrefix(&tag, "W/");
    return tag;
  };
  for (absl::string_view tag : absl::StrSplit(header, ',')) {
    if (absl::StripAsciiWhitespace(tag) == "*" || opaque(tag) == opaque(version)) {
      return true;
    }
  }
  return false;
}

// scim_etag_cache_total{result="hit|miss"}: conditional GETs answered from
// the cache, and those that went on to identity-service.
void CountEtagCache(const char* result) {
  static auto& family = prometheus::BuildCounter()
                            .Name("scim_etag_cache_total")
                            .Help("If-None-Match GETs by ETag cache result")
                            .Register(MetricsRegistry());
  family.Add({{"result", result}}).Increment();
}

std::string VersionOf(const google::protobuf::Message& resource) {
  const auto* d = resource.GetDescriptor();
  const auto* meta = d->FindFieldByName("meta");
  if (meta == nullptr) return "";
  return static_cast<const v1::Meta&>(resource.GetReflection()->GetMessage(resource, meta))
      .version();
}

}  // namespace

void EdgeServer::Respond(Call& call, int status,
                         const google::protobuf::Message& resource) {
  const std::string version = VersionOf(resource);
  if (!version.empty()) call.res.set_header("ETag", version);
  if (call.req.method == "GET" &&
      NoneMatchHolds(call.req.get_header_value("If-None-Match"), version)) {
    call.res.status = 304;
    return;
  }
  json out = EncodeResource(resource);
  call.AbsolutizeLocation(out);
  call.Json(status, out);
}

void EdgeServer::HandleResource(Call& call, ResourceRpcs& rpcs,
                                const std::string& id) {
  const std::string& method = call.req.method;
  const DecodeOptions decode{call.principal.strict_schema};
  const std::string endpoint = rpcs.endpoint();
  v1::Projection projection;
  ProjectionFromParams(call.req.params, &projection);
  auto context = call.GrpcContext();
  std::unique_ptr<google::protobuf::Message> out = rpcs.New();
  if (id.empty()) {
    call.route = absl::StrCat("/t/{tenant}/scim/v2/", endpoint);
    if (method == "POST") {
      json body;
      if (!call.ParseBody(&body)) return;
      std::unique_ptr<google::protobuf::Message> in = rpcs.New();
      absl::Status s = DecodeResource(body, in.get(), decode);
      if (s.ok()) {
        s = FromGrpcStatus(
            rpcs.Create(context.get(), call.tenant, *in, projection, out.get()));
      }
      if (!s.ok()) {
        call.Error(s);
        return;
      }
      const auto* f = out->GetDescriptor()->FindFieldByName("id");
      call.res.set_header("Location",
                          absl::StrCat(call.Base(), "/", endpoint, "/",
                                       out->GetReflection()->GetString(*out, f)));
      Respond(call, 201, *out);
      return;
    }
    if (method != "GET") {
      call.MethodNotAllowed("GET, POST");
      return;
    }
    v1::ListRequest query;
    if (absl::Status s = ListRequestFromParams(call.req.params, &query); !s.ok()) {
      call.Error(s);
      return;
    }
    List(call, rpcs, query);
    return;
  }

  call.route = absl::StrCat("/t/{tenant}/scim/v2/", endpoint, "/{id}");
  const std::string if_match = call.req.get_header_value("If-Match");
  absl::Status s;
  if (method == "GET") {
    const std::string none_match = call.req.get_header_value("If-None-Match");
    if (etags_ != nullptr && !none_match.empty()) {
      std::optional<int64_t> version = etags_->LiveVersion(call.tenant, endpoint, id);
      if (version.has_value() && NoneMatchHolds(none_match, FormatVersion(*version))) {
        call.res.set_header("ETag", FormatVersion(*version));
        call.res.status = 304;
        CountEtagCache("hit");
        return;
      }
      CountEtagCache("miss");
    }
    s = FromGrpcStatus(rpcs.Get(context.get(), call.tenant, id, projection, out.get()));
  } else if (method == "PUT") {
    json body;
    if (!call.ParseBody(&body)) return;
    std::unique_ptr<google::protobuf::Message> in = rpcs.New();
    s = DecodeResource(body, in.get(), decode);
    if (s.ok()) {
      s = FromGrpcStatus(rpcs.Replace(context.get(), call.tenant, id, if_match, *in,
                                      projection, out.get()));
    }
  } else if (method == "PATCH") {
    v1::PatchRequest request;
    if (!ParsePatchBody(call, &request)) return;
    request.set_tenant(call.tenant);
    request.set_id(id);
    request.set_if_match(if_match);
    *request.mutable_projection() = projection;
    s = FromGrpcStatus(rpcs.Patch(context.get(), request, out.get()));
  } else if (method == "DELETE") {
    s = FromGrpcStatus(rpcs.Delete(context.get(), call.tenant, id, if_match));
    if (s.ok()) {
      call.res.status = 204;
      return;
    }
  } else {
    call.MethodNotAllowed("GET, PUT, PATCH, DELETE");
    return;
  }
  if (!s.ok()) {
    call.Error(s);
    return;
  }
  Respond(call, 200, *out);
}

namespace {

// `schemas` of an API message body must name `urn` (answered 400 if not).
template <typename Call>
bool CheckMessageSchema(Call& call, const json& schemas, absl::string_view urn) {
  if (schemas.is_array()) {
    for (const json& s : schemas) {
      if (s.is_string() && absl::EqualsIgnoreCase(s.get<std::string>(), urn)) {
        return true;
      }
    }
  }
  call.Error(400, scim_type::kInvalidSyntax,
             absl::StrCat("\"schemas\" must be [\"", urn, "\"]"));
  return false;
}

}  // namespace

bool EdgeServer::ParsePatchBody(Call& call, v1::PatchRequest* request) {
  json body;
  if (!call.ParseBody(&body)) return false;
  if (!body.is_object()) {
    call.Error(400, scim_type::kInvalidSyntax, "the PATCH body must be a JSON object");
    return false;
  }
  json operations;  // null (refused below) unless the body has them
  for (const auto& [key, value] : body.items()) {
    if (absl::EqualsIgnoreCase(key, "schemas")) {
      if (!CheckMessageSchema(call, value, kPatchOpSchema)) return false;
    } else if (absl::EqualsIgnoreCase(key, "Operations")) {
      operations = value;
    }
  }
  absl::StatusOr<std::vector<PatchOp>> ops = ParsePatchOperations(operations);
  if (!ops.ok()) {
    call.Error(ops.status());
    return false;
  }
  for (const PatchOp& op : *ops) {
    v1::PatchOperation* out = request->add_operations();
    out->set_op(op.op);
    out->set_path(op.path);
    if (!op.value.is_null()) JsonToValue(op.value, out->mutable_value());
  }
  return true;
}

void EdgeServer::HandleBulk(Call& call) {
  if (call.req.method != "POST") {
    call.MethodNotAllowed("POST");
    return;
  }
  json body;
  if (!call.ParseBody(&body)) return;
  if (!body.is_object()) {
    call.Error(400, scim_type::kInvalidSyntax, "the Bulk body must be a JSON object");
    return;
  }
  v1::BulkRequest request;
  request.set_tenant(call.tenant);
  ProjectionFromParams(call.req.params, request.mutable_projection());
  const json* operations = nullptr;
  for (const auto& [key, value] : body.items()) {
    if (absl::EqualsIgnoreCase(key, "schemas")) {
      if (!CheckMessageSchema(call, value, kBulkRequestSchema)) return;
    } else if (absl::EqualsIgnoreCase(key, "failOnErrors")) {
      if (!value.is_number_integer() || value.get<int64_t>() < 0 ||
          value.get<int64_t>() > std::numeric_limits<int32_t>::max()) {
        call.Error(400, scim_type::kInvalidValue,
                   "failOnErrors must be a non-negative integer");
        return;
      }
      request.set_fail_on_errors(value.get<int32_t>());
    } else if (absl::EqualsIgnoreCase(key, "Operations")) {
      operations = &value;
    }
  }
  if (operations == nullptr || !operations->is_array()) {
    call.Error(400, scim_type::kInvalidSyntax,
               "a BulkRequest needs an \"Operations\" array");
    return;
  }
  for (size_t i = 0; i < operations->size(); ++i) {
    const json& op = (*operations)[i];
    if (!op.is_object()) {
      call.Error(400, scim_type::kInvalidSyntax,
                 absl::StrCat("Operations[", i, "] is not an object"));
      return;
    }
    v1::BulkOperation* out = request.add_operations();
    for (const auto& [key, value] : op.items()) {
      std::string* field = absl::EqualsIgnoreCase(key, "method")    ? out->mutable_method()
                           : absl::EqualsIgnoreCase(key, "bulkId")  ? out->mutable_bulk_id()
                           : absl::EqualsIgnoreCase(key, "version") ? out->mutable_version()
                           : absl::EqualsIgnoreCase(key, "path")    ? out->mutable_path()
                                                                    : nullptr;
      if (field != nullptr) {
        if (!value.is_string()) {
          call.Error(400, scim_type::kInvalidSyntax,
                     absl::StrCat("Operations[", i, "].", key, " must be a string"));
          return;
        }
        *field = value.get<std::string>();
      } else if (absl::EqualsIgnoreCase(key, "data")) {
        JsonToValue(value, out->mutable_data());
      }
    }
  }
  v1::BulkResponse response;
  auto context = call.GrpcContext();
  absl::Status s = FromGrpcStatus(identity_->Bulk(context.get(), request, &response));
  if (!s.ok()) {
    call.Error(s);
    return;
  }
  json results = json::array();
  for (const v1::BulkOperationResult& r : response.operations()) {
    json result = {{"method", r.method()}};
    if (!r.bulk_id().empty()) result["bulkId"] = r.bulk_id();
    if (!r.version().empty()) result["version"] = r.version();
    if (!r.location().empty()) result["location"] = call.Origin() + r.location();
    result["status"] = std::to_string(r.status());
    json answer;
    if (r.has_user() || r.has_group()) {
      answer = EncodeResource(r.has_user()
                                  ? static_cast<const google::protobuf::Message&>(r.user())
                                  : r.group());
      call.AbsolutizeLocation(answer);
    } else if (r.has_error()) {
      answer = json::parse(
          ErrorBody(r.error().status(), r.error().scim_type(), r.error().detail()));
    }
    if (!answer.is_null()) result["response"] = std::move(answer);
    results.push_back(std::move(result));
  }
  call.Json(200, {{"schemas", {kBulkResponseSchema}}, {"Operations", std::move(results)}});
}

}  // namespace scim::edge
