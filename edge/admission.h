// Admission of a tenant request: bearer authentication for the URL's tenant,
// the tenant's rate limit, and the audit record of every refusal.
#ifndef SCIM_EDGE_ADMISSION_H_
#define SCIM_EDGE_ADMISSION_H_

#include <string>

#include "edge/call.h"
#include "edge/denial_recorder.h"
#include "edge/rate_limiter.h"
#include "clients/token/authenticator.h"

namespace scim::edge {

class Admission {
 public:
  // `denials` (optional) records refused requests in the audit log;
  // `rate_limiter` (optional) enforces the tenants' rate limits.
  Admission(token::Authenticator* authenticator, DenialRecorder* denials,
            RateLimiter* rate_limiter);

  // Authenticates `call` for call.tenant (setting call.principal) and applies
  // the rate limit; false when it answered (401, 403, 429, or 503 while
  // token-service is unreachable).
  bool Admit(Call& call);

 private:
  // Applies the tenant's rate limit; false (answered 429) when over it.
  bool AdmitRate(Call& call);
  // Answers a refused request and records it (401, 403, 429).
  void Deny(Call& call, int status, const std::string& detail);

  token::Authenticator* authenticator_;
  DenialRecorder* denials_;
  RateLimiter* rate_limiter_;
};

}  // namespace scim::edge

#endif  // SCIM_EDGE_ADMISSION_H_
