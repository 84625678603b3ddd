// Admission of a tenant request: authentication and rate limit (see
// admission.h).
#include "edge/admission.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "httplib.h"

namespace scim::edge {

Admission::Admission(token::Authenticator* authenticator,
                     DenialRecorder* denials, RateLimiter* rate_limiter)
    : authenticator_(authenticator),
      denials_(denials),
      rate_limiter_(rate_limiter) {}

bool Admission::Admit(Call& call) {
  std::string auth = call.req.get_header_value("Authorization");
  if (!absl::StartsWithIgnoreCase(auth, "Bearer ") ||
      absl::StripAsciiWhitespace(auth.substr(7)).empty()) {
    call.res.set_header("WWW-Authenticate", "Bearer realm=\"scim\"");
    Deny(call, 401,
         "authentication required: send Authorization: Bearer <API key>");
    return false;
  }
  auto principal = authenticator_->Verify(
      std::string(absl::StripAsciiWhitespace(auth.substr(7))));
  if (!principal.ok()) {
    if (principal.status().code() != absl::StatusCode::kUnauthenticated) {
      call.Error(principal.status());  // token-service unreachable: 503
      return false;
    }
    call.res.set_header("WWW-Authenticate",
                        "Bearer realm=\"scim\", error=\"invalid_token\"");
    Deny(call, 401, std::string(principal.status().message()));
    return false;
  }
  call.principal = *principal;
  if (principal->tenant != call.tenant) {
    // Same answer as an unknown key: nothing about tenant B leaks to A. The
    // audit event names the key, for tenant A's security team.
    call.res.set_header("WWW-Authenticate",
                        "Bearer realm=\"scim\", error=\"invalid_token\"");
    Deny(call, 401, "the bearer token is not valid for this tenant");
    return false;
  }
  if (principal->read_only) {
    // A setup link opens the console; the IdP needs an API key made there.
    call.res.set_header("WWW-Authenticate",
                        "Bearer realm=\"scim\", error=\"invalid_token\"");
    Deny(call, 401,
         "a setup link is not a SCIM credential: create an API key for the identity "
         "provider in the console it opens");
    return false;
  }
  if (principal->tenant_disabled) {
    Deny(call, 403,
         absl::StrCat("the SCIM integration for tenant '", call.tenant,
                      "' is disabled"));
    return false;
  }
  return AdmitRate(call);
}

bool Admission::AdmitRate(Call& call) {
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

void Admission::Deny(Call& call, int status, const std::string& detail) {
  call.Error(status, "", detail);
  if (denials_ != nullptr) {
    denials_->Record(call.tenant, status, detail,
                     {call.principal.credential_id, call.origin.address,
                      call.request_id});
  }
}

}  // namespace scim::edge
