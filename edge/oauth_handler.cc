// The OAuth token endpoint and the JWKS (see oauth_handler.h).
#include "edge/oauth_handler.h"

#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/random.h"
#include "common/status.h"
#include "httplib.h"
#include "nlohmann/json.hpp"

namespace scim::edge {
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

void OAuthHandler::HandleToken(Call& call) {
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
  absl::Status s = FromGrpcStatus(token_->IssueToken(context.get(), request, &response));
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

void OAuthHandler::HandleJwks(Call& call) {
  if (call.req.method != "GET") {
    call.MethodNotAllowed("GET");
    return;
  }
  v1::GetJwksResponse response;
  auto context = call.GrpcContext();
  absl::Status s =
      FromGrpcStatus(token_->GetJwks(context.get(), v1::GetJwksRequest(), &response));
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

}  // namespace scim::edge
