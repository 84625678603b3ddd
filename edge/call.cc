// One HTTP request as it moves through the edge (see call.h).
#include "edge/call.h"

#include <chrono>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "common/request_metadata.h"
#include "common/status.h"
#include "edge/bulk_request.h"
#include "edge/error_body.h"
#include "scim/json_parse.h"
#include "scim/json_writer.h"
#include "httplib.h"

namespace scim::edge {
namespace {

using json = Json;

}  // namespace

void Call::Error(int http, absl::string_view scim_type, absl::string_view detail) {
  res.status = http;
  // A service behind the edge is restarting or briefly away: tell clients
  // (IdPs retry) when to come back instead of failing the sync.
  if (http == 503 && !res.has_header("Retry-After")) {
    res.set_header("Retry-After", absl::StrCat(kUnavailableRetryAfterSeconds));
  }
  res.set_content(ErrorBody(http, scim_type, detail), kScimContentType);
}

void Call::Error(const absl::Status& status) {
  const int http = HttpStatusOf(status);
  if (http == 500) {
    // Internal detail (storage errors, paths) is for the operator's log, not
    // the client: the request id ties the two together.
    LogError("internal error", {{"request_id", request_id},
                                {"route", route},
                                {"error", status.ToString()}});
    Error(500, "", absl::StrCat("internal error (request id ", request_id, ")"));
    return;
  }
  Error(http, ScimTypeOf(status), status.message());
}

void Call::Json(int http, const json& body) {
  res.status = http;
  res.set_content(DumpJson(body), kScimContentType);
}

void Call::JsonText(int http, std::string body) {
  res.status = http;
  res.body = std::move(body);  // set_content would copy it
  auto [begin, end] = res.headers.equal_range("Content-Type");
  res.headers.erase(begin, end);
  res.set_header("Content-Type", kScimContentType);
}

void Call::MethodNotAllowed(absl::string_view allowed) {
  res.set_header("Allow", std::string(allowed));
  Error(405, "", absl::StrCat("method ", req.method, " is not allowed on ",
                              req.path, "; allowed: ", allowed));
}

std::string Call::Origin() const {
  if (origin.host.empty()) return "";
  return absl::StrCat(origin.scheme, "://", origin.host);
}

void Call::AbsolutizeLocation(json& resource) const {
  AbsolutizeLocations(resource, Origin());
}

std::string Call::Base() const {
  return absl::StrCat(Origin(), "/t/", tenant, "/scim/v2");
}

CallMetadata Call::Metadata() const {
  return MetadataAs(principal.credential_id, req.get_header_value("Authorization"));
}

CallMetadata Call::MetadataAs(const std::string& actor,
                              const std::string& authorization) const {
  CallMetadata out;
  out.authorization = authorization;
  out.actor = actor;
  out.request_id = request_id;
  out.client_address = origin.address;
  out.deadline = absl::Now() + absl::Seconds(10);
  return out;
}

std::unique_ptr<grpc::ClientContext> Call::GrpcContext() const {
  return NewClientContext(Metadata());
}

std::unique_ptr<grpc::ClientContext> Call::GrpcContextAs(
    const std::string& actor, const std::string& authorization) const {
  return NewClientContext(MetadataAs(actor, authorization));
}

bool Call::ParseBody(json* out) {
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
  // Bounded and throwing nothing: `1e400` or 100,000 nested arrays are a
  // 400, not an escaped exception or a deep recursion later.
  absl::StatusOr<json> parsed = ParseJsonBounded(req.body);
  if (!parsed.ok()) {
    Error(parsed.status());
    return false;
  }
  *out = std::move(*parsed);
  return true;
}

bool CheckMessageSchema(Call& call, const json& schemas, absl::string_view urn) {
  absl::Status s = RequireMessageSchema(schemas, urn);
  if (!s.ok()) call.Error(s);
  return s.ok();
}

}  // namespace scim::edge
