#include "token-service/setup_link_store.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/proto_util.h"
#include "common/status.h"
#include "token-service/tenant_record.h"
#include "token-service/bearer_secret.h"

namespace scim::token {
namespace {

constexpr char kSetupLinksCf[] = "setup_links";
constexpr size_t kLinkIdLength = 16;

absl::Status BadLink() {
  return ScimError(absl::StatusCode::kUnauthenticated, "",
                   "this setup link is not valid: it may have expired or been revoked");
}

}  // namespace

const std::vector<std::string>& SetupLinkColumnFamilies() {
  static const auto* cfs = new std::vector<std::string>{kSetupLinksCf};
  return *cfs;
}

absl::StatusOr<CreatedSetupLink> SetupLinkStore::Create(absl::string_view tenant,
                                                        absl::Duration ttl,
                                                        const audit::EventContext& context) {
  if (ttl == absl::ZeroDuration()) ttl = kDefaultSetupLinkTtl;
  if (ttl < absl::Minutes(1) || ttl > kMaxSetupLinkTtl) {
    return InvalidValue("a setup link lives between 1 minute and 30 days");
  }
  RETURN_IF_ERROR(tenants_->GetTenant(tenant).status());
  ASSIGN_OR_RETURN(std::vector<v1::SetupLink> live, List(tenant));
  const size_t active = std::count_if(live.begin(), live.end(), [](const v1::SetupLink& l) {
    return l.state() == "active";
  });
  if (active >= kMaxSetupLinksPerTenant) {
    return ScimError(absl::StatusCode::kResourceExhausted, "",
                     absl::StrCat("tenant '", tenant, "' has ", active,
                                  " live setup links already; revoke some first"));
  }
  RETURN_IF_ERROR(outbox_->CheckCapacity());
  CreatedSetupLink created;
  v1::SetupLink& link = created.link;
  const NewBearerSecret made = MakeBearerSecret(*random_, kSetupLinkPrefix, kLinkIdLength);
  link.set_id(made.id);
  link.set_tenant(std::string(tenant));
  const absl::Time now = clock_->Now();
  *link.mutable_created() = ToTimestamp(now);
  *link.mutable_expires() = ToTimestamp(now + ttl);
  link.set_state("active");
  link.set_secret_hash(made.hash);
  RETURN_IF_ERROR(RunInTransaction(*kv_, [&](KvTransaction& txn) {
    RETURN_IF_ERROR(txn.Put(kSetupLinksCf, link.id(), link.SerializeAsString()));
    return outbox_->Add(txn, audit::NewEvent(*clock_, *random_, tenant, "setup_link.create",
                                             "SetupLink", link.id(), context));
  }));
  outbox_->Committed();
  link.clear_secret_hash();
  created.secret = made.text;
  return created;
}

absl::StatusOr<std::vector<v1::SetupLink>> SetupLinkStore::List(absl::string_view tenant) {
  std::vector<v1::SetupLink> out;
  const absl::Time now = clock_->Now();
  absl::Status parse;
  // Links are few: every tenant's at most kMaxSetupLinksPerTenant live ones.
  RETURN_IF_ERROR(kv_->Scan(kSetupLinksCf, "", "", [&](absl::string_view, absl::string_view v) {
    v1::SetupLink link;
    if (!link.ParseFromArray(v.data(), static_cast<int>(v.size()))) {
      parse = absl::DataLossError("corrupt setup link record");
      return false;
    }
    if (link.tenant() == tenant && FromTimestamp(link.expires()) > now) {
      link.clear_secret_hash();
      out.push_back(std::move(link));
    }
    return true;
  }));
  RETURN_IF_ERROR(parse);
  std::sort(out.begin(), out.end(), [](const v1::SetupLink& a, const v1::SetupLink& b) {
    return FromTimestamp(a.created()) > FromTimestamp(b.created());
  });
  return out;
}

absl::StatusOr<v1::SetupLink> SetupLinkStore::Revoke(absl::string_view tenant,
                                                     absl::string_view link_id,
                                                     const audit::EventContext& context) {
  RETURN_IF_ERROR(outbox_->CheckCapacity());
  v1::SetupLink link;
  RETURN_IF_ERROR(RunInTransaction(*kv_, [&](KvTransaction& txn) {
    ASSIGN_OR_RETURN(link, GetTenantRecordForUpdate<v1::SetupLink>(txn, kSetupLinksCf, link_id,
                                                                  tenant, "setup link"));
    link.set_state("revoked");
    RETURN_IF_ERROR(txn.Put(kSetupLinksCf, link_id, link.SerializeAsString()));
    return outbox_->Add(txn, audit::NewEvent(*clock_, *random_, tenant, "setup_link.revoke",
                                             "SetupLink", link.id(), context));
  }));
  outbox_->Committed();
  link.clear_secret_hash();
  return link;
}

absl::StatusOr<v1::SetupLink> SetupLinkStore::Verify(absl::string_view secret) {
  const std::optional<PresentedSecret> parts =
      ParseBearerSecret(secret, kSetupLinkPrefix, kLinkIdLength);
  if (!parts.has_value()) return BadLink();
  ASSIGN_OR_RETURN(auto bytes, kv_->Get(kSetupLinksCf, parts->id));
  if (!bytes.has_value()) return BadLink();
  ASSIGN_OR_RETURN(v1::SetupLink link, ParseRecord<v1::SetupLink>(*bytes));
  if (!SecretMatches(parts->secret, link.secret_hash()) ||
      link.state() != "active" || FromTimestamp(link.expires()) <= clock_->Now() ||
      !tenants_->GetTenant(link.tenant()).ok()) {
    return BadLink();
  }
  link.clear_secret_hash();
  return link;
}

}  // namespace scim::token
