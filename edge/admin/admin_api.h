// The console's JSON API under /admin/api/ (issue 18): a thin translation to
// token-service's admin RPCs, made with the session's credential.
//
//   POST   /admin/api/session                 {"token"}: sign in (sets the cookie);
//                                             {"setupLink"}: open a setup link
//   GET    /admin/api/session                 who is signed in, and the CSRF token
//   DELETE /admin/api/session                 sign out (the session is revoked)
//   GET    /admin/api/tenants                 {"tenants": [...]}
//   POST   /admin/api/tenants                 {"name", "identityProvider"}
//   GET    /admin/api/tenants/{t}
//   POST   /admin/api/tenants/{t}/disable     and /enable
//   PATCH  /admin/api/tenants/{t}/settings    {"deleteMode", "rateLimit", ...}
//   DELETE /admin/api/tenants/{t}?confirm={t}
//   GET    /admin/api/tenants/{t}/keys        never a secret
//   POST   /admin/api/tenants/{t}/keys        {"label"}: {"key", "secret"} (shown once)
//   POST   /admin/api/tenants/{t}/keys/{id}/rotate   {"graceSeconds"}
//   DELETE /admin/api/tenants/{t}/keys/{id}
//   POST   /admin/api/tenants/{t}/clients     {"client", "secret"} (shown once)
//   DELETE /admin/api/tenants/{t}/clients/{id}
//   GET    /admin/api/tenants/{t}/setup-links
//   POST   /admin/api/tenants/{t}/setup-links {"ttlSeconds"}: {"link", "secret", "url"} (once)
//   DELETE /admin/api/tenants/{t}/setup-links/{id}
//   GET    /admin/api/tenants/{t}/users       ?filter=&startIndex=&count= (SCIM JSON)
//   GET    /admin/api/tenants/{t}/users/{id}
//   GET    /admin/api/tenants/{t}/groups      ?filter=&startIndex=&count= (without members)
//   GET    /admin/api/tenants/{t}/groups/{id} (without members)
//   GET    /admin/api/tenants/{t}/groups/{id}/members  ?startIndex=&count=
//   GET    /admin/api/tenants/{t}/activity    ?after=&operation=&limit= (audit events)
//   GET    /admin/api/tenants/{t}/activity/verify      the hash chain's state
//   POST   /admin/api/tenants/{t}/test        Test connection: each step's result
//
// A setup link's session reaches its own tenant only: GET of the tenant and
// its keys (create, list, rotate, revoke); anything else is 403. The link's
// secret is its credential at token-service, which checks it on every call.
//
// Every request but sign-in needs the session cookie (else 401); every
// state change also the session's CSRF token in X-CSRF-Token (else 403).
// Errors are RFC 7644 error bodies, like the rest of the edge.
#ifndef SCIM_EDGE_ADMIN_ADMIN_API_H_
#define SCIM_EDGE_ADMIN_ADMIN_API_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "common/clock.h"
#include "edge/admin/session_store.h"
#include "edge/call.h"
#include "edge/resource_rpcs.h"
#include "edge/tenant_discovery.h"
#include "scim/v1/audit.grpc.pb.h"
#include "scim/v1/token.grpc.pb.h"

namespace scim::edge {

inline constexpr char kSessionCookie[] = "scim_console";
inline constexpr char kCsrfHeader[] = "X-CSRF-Token";
inline constexpr absl::Duration kDefaultSessionTtl = absl::Hours(8);

class AdminApi {
 public:
  // What the console reads besides token-service: the directory (`users`,
  // `groups`), the audit trail (`audit`, may be null: no activity) and each
  // tenant's schemas (`discovery`, for Test connection).
  struct Readers {
    ResourceRpcs* users = nullptr;
    ResourceRpcs* groups = nullptr;
    std::shared_ptr<v1::AuditService::StubInterface> audit;
    const TenantDiscovery* discovery = nullptr;
  };

  AdminApi(std::shared_ptr<v1::TokenService::StubInterface> token, Readers readers,
           SessionStore* sessions, Clock* clock, absl::Duration session_ttl = kDefaultSessionTtl)
      : token_(std::move(token)),
        readers_(std::move(readers)),
        sessions_(sessions),
        clock_(clock),
        ttl_(session_ttl) {}

  // Answers a request whose path starts with /admin/api/.
  void Handle(Call& call);

 private:
  void SignIn(Call& call);
  void OpenSetupLink(Call& call, const std::string& secret);
  // Sets the cookie of a new session.
  void StartSession(Call& call, const Session& session);
  static bool InScope(const Session& session, const std::string& method,
                      const std::vector<std::string>& parts);
  void SetupLinks(Call& call, const Session& session, const std::string& tenant,
                  const std::vector<std::string>& parts);
  // admin_directory.cc: users and groups (read-only), activity, Test connection.
  void Directory(Call& call, const Session& session, const std::string& tenant,
                 const std::vector<std::string>& parts);
  void Activity(Call& call, const Session& session, const std::string& tenant,
                const std::vector<std::string>& parts);
  void TestConnection(Call& call, const Session& session, const std::string& tenant);
  // The tenants list's figures for one tenant: users, groups (counters, O(1))
  // and its newest audit event.
  void Summary(Call& call, const Session& session, const std::string& tenant);
  void Tenants(Call& call, const Session& session, const std::vector<std::string>& parts);
  void Keys(Call& call, const Session& session, const std::string& tenant,
            const std::vector<std::string>& parts);
  void Clients(Call& call, const Session& session, const std::string& tenant,
               const std::vector<std::string>& parts);
  // The RPC context of a request made for `session`.
  CallMetadata MetadataOf(const Call& call, const Session& session) const;
  std::unique_ptr<grpc::ClientContext> Context(const Call& call, const Session& session) const {
    return NewClientContext(MetadataOf(call, session));
  }

  std::shared_ptr<v1::TokenService::StubInterface> token_;
  const Readers readers_;
  SessionStore* const sessions_;
  Clock* const clock_;
  const absl::Duration ttl_;
};

// A message as the console reads it: camelCase names, defaults included.
Json MessageJson(const google::protobuf::Message& m);

// The value of cookie `name` in a Cookie header, or "".
std::string CookieValue(absl::string_view header, absl::string_view name);

}  // namespace scim::edge

#endif  // SCIM_EDGE_ADMIN_ADMIN_API_H_
