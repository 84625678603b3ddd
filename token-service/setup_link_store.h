// Setup links: a short-lived credential for one tenant's IT admin, opened in
// the console (issue 18). "scl_<link id>_<secret>": the id names the record,
// the secret (256 random bits) is shown once and kept as its SHA-256, like an
// API key's.
//
//   setup_links  {link id}  -> scim.v1.SetupLink
#ifndef SCIM_TOKEN_SERVICE_SETUP_LINK_STORE_H_
#define SCIM_TOKEN_SERVICE_SETUP_LINK_STORE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "clients/audit/outbox.h"
#include "common/clock.h"
#include "common/random.h"
#include "scim/v1/token.pb.h"
#include "storage/kv_store.h"
#include "token-service/token_store.h"

namespace scim::token {

const std::vector<std::string>& SetupLinkColumnFamilies();

inline constexpr char kSetupLinkPrefix[] = "scl_";
inline constexpr absl::Duration kDefaultSetupLinkTtl = absl::Hours(24);
inline constexpr absl::Duration kMaxSetupLinkTtl = absl::Hours(24 * 30);
// Live links per tenant: creating more is refused (revoke or let expire).
inline constexpr size_t kMaxSetupLinksPerTenant = 50;

struct CreatedSetupLink {
  v1::SetupLink link;  // without secret_hash
  std::string secret;  // the whole "scl_..." credential
};

class SetupLinkStore {
 public:
  SetupLinkStore(KvStore* kv, audit::Outbox* outbox, TokenStore* tenants, Clock* clock,
                 RandomSource* random)
      : kv_(kv), outbox_(outbox), tenants_(tenants), clock_(clock), random_(random) {}

  // `ttl` zero: kDefaultSetupLinkTtl.
  absl::StatusOr<CreatedSetupLink> Create(absl::string_view tenant, absl::Duration ttl,
                                          const audit::EventContext& context);
  // The tenant's links, newest first, without hashes; expired ones left out.
  absl::StatusOr<std::vector<v1::SetupLink>> List(absl::string_view tenant);
  absl::StatusOr<v1::SetupLink> Revoke(absl::string_view tenant, absl::string_view link_id,
                                       const audit::EventContext& context);
  // The live link `secret` opens (without hash); UNAUTHENTICATED, one message
  // for every failure, otherwise.
  absl::StatusOr<v1::SetupLink> Verify(absl::string_view secret);

 private:
  KvStore* const kv_;
  audit::Outbox* const outbox_;
  TokenStore* const tenants_;
  Clock* const clock_;
  RandomSource* const random_;
};

}  // namespace scim::token

#endif  // SCIM_TOKEN_SERVICE_SETUP_LINK_STORE_H_
