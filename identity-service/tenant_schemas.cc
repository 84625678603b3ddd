#include "identity-service/tenant_schemas.h"

#include <algorithm>

#include "identity-service/tenant_registry.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/proto_util.h"
#include "common/request_metadata.h"
#include "common/status.h"
#include "identity-service/keys.h"
#include "identity-service/schema_evolution.h"
#include "scim/json_parse.h"

namespace scim::identity {
namespace {

// The field number a tenant's new schema gets: above every number its
// schemas ever had (records are kept, deleted ones too, until the tenant
// goes), so none is reused.
int32_t NextFieldNumber(const std::vector<v1::StoredSchema>& records) {
  int32_t next = kFirstExtensionField;
  for (const v1::StoredSchema& r : records) next = std::max(next, r.field_number() + 1);
  return next;
}


absl::Status CheckTenant(absl::string_view tenant) {
  if (IsValidTenantId(tenant)) return absl::OkStatus();
  return InvalidValue(absl::StrCat("\"", tenant, "\" is not a tenant id"));
}

absl::Status NoSuchSchema(absl::string_view tenant, absl::string_view urn) {
  return NotFound(absl::StrCat("tenant ", tenant, " has no schema ", urn));
}

absl::StatusOr<uint64_t> DecodeVersion(const std::optional<std::string>& bytes) {
  if (!bytes.has_value()) return 0;
  ASSIGN_OR_RETURN(int64_t v, DecodeCounter(*bytes));
  return static_cast<uint64_t>(v);
}

// "urn:a" and "urn:a:b" cannot both be a tenant's: "urn:a:b" would also be
// attribute b of "urn:a" in the top-level "urn:...:attr" form.
bool Overlap(absl::string_view a, absl::string_view b) {
  const std::string x = absl::AsciiStrToLower(a), y = absl::AsciiStrToLower(b);
  return absl::StartsWith(x, y + ":") || absl::StartsWith(y, x + ":");
}

// RFC 3339 in UTC with "Z", as meta times are served.
std::string Rfc3339(const google::protobuf::Timestamp& ts) {
  return google::protobuf::util::TimeUtil::ToString(ts);
}

}  // namespace

TenantSchemas::TenantSchemas(KvStore* kv, audit::Outbox* outbox, Runtime runtime,
                             TenantSchemasOptions options)
    : kv_(kv), outbox_(outbox), runtime_(runtime), options_(options) {}

std::string TenantSchemas::VersionKey(absl::string_view tenant) { return std::string(tenant); }

std::string TenantSchemas::RecordKey(absl::string_view tenant, absl::string_view urn) {
  return absl::StrCat(tenant, "/", absl::AsciiStrToLower(urn));
}

absl::StatusOr<uint64_t> TenantSchemas::Version(absl::string_view tenant) {
  RETURN_IF_ERROR(CheckTenant(tenant));
  ASSIGN_OR_RETURN(std::optional<std::string> bytes, kv_->Get(kSchemasCf, VersionKey(tenant)));
  return DecodeVersion(bytes);
}

absl::StatusOr<std::vector<v1::StoredSchema>> TenantSchemas::Records(absl::string_view tenant) {
  std::vector<v1::StoredSchema> out;
  bool corrupt = false;
  RETURN_IF_ERROR(kv_->Scan(kSchemasCf, absl::StrCat(tenant, "/"), "",
                            [&](absl::string_view, absl::string_view bytes) {
                              out.emplace_back();
                              corrupt = !out.back().ParseFromArray(
                                  bytes.data(), static_cast<int>(bytes.size()));
                              return !corrupt;
                            }));
  if (corrupt) return absl::DataLossError(absl::StrCat("a schema of ", tenant, " is corrupt"));
  return out;
}

absl::Status TenantSchemas::CheckTenantRoom(
    absl::string_view urn, const std::vector<v1::StoredSchema>& records) const {
  size_t live = 0;
  bool known = false;
  for (const v1::StoredSchema& r : records) {
    if (absl::EqualsIgnoreCase(r.urn(), urn)) {
      known = true;
      continue;
    }
    if (!r.deleted()) ++live;
    if (Overlap(r.urn(), urn)) {
      return InvalidValue(absl::StrCat("schema id ", urn, " overlaps the tenant's schema ",
                                       r.urn(), r.deleted() ? " (deleted)" : "",
                                       ": one URN may not start with another and a ':'"));
    }
  }
  if (live >= options_.max_per_tenant) {
    return ScimError(absl::StatusCode::kFailedPrecondition, scim_type::kTooMany,
                     absl::StrCat("the tenant has ", live, " schemas, the most it may have; "
                                  "delete one first"));
  }
  if (!known && records.size() >= options_.max_records_per_tenant) {
    return ScimError(absl::StatusCode::kFailedPrecondition, scim_type::kTooMany,
                     absl::StrCat("the tenant keeps ", records.size(),
                                  " schemas, deleted ones included, the most it may; put a "
                                  "deleted one back instead"));
  }
  return absl::OkStatus();
}

absl::StatusOr<PutSchemaResult> TenantSchemas::Put(absl::string_view tenant,
                                                   absl::string_view json_text,
                                                   const audit::EventContext& context) {
  RETURN_IF_ERROR(CheckTenant(tenant));
  ASSIGN_OR_RETURN(ExtensionSchema next, ParseExtensionSchema(json_text));
  RETURN_IF_ERROR(outbox_->CheckCapacity());
  const std::string key = RecordKey(tenant, next.schema.id);
  // Planned (and checked against the data) outside the transaction, then
  // written only if the tenant's version is still the one planned from;
  // otherwise planned again.
  for (int attempt = 0; attempt < 3; ++attempt) {
    ASSIGN_OR_RETURN(uint64_t version, Version(tenant));
    ASSIGN_OR_RETURN(std::vector<v1::StoredSchema> records, Records(tenant));
    const v1::StoredSchema* prior = nullptr;
    for (const v1::StoredSchema& r : records) {
      if (absl::EqualsIgnoreCase(r.urn(), next.schema.id)) prior = &r;
    }
    ASSIGN_OR_RETURN(EvolutionPlan plan, PlanEvolution(prior, next));
    if (plan.unchanged) return PutSchemaResult{prior->urn(), version, false};
    RETURN_IF_ERROR(CheckTenantRoom(next.schema.id, records));
    if (!plan.checks.empty()) {
      // Stored values are read as the schemas now stored declare them.
      ASSIGN_OR_RETURN(TenantSchemaSet now, Load(tenant));
      ASSIGN_OR_RETURN(std::unique_ptr<const SchemaRegistry> registry,
                       BuildTenantRegistry(now));
      // Bounded by the tenant's resources of the type (and by
      // max_evolution_scan): see CountContradictions.
      bool complete = true;
      ASSIGN_OR_RETURN(
          std::vector<int64_t> counts,
          CountContradictions(*kv_, tenant, next.resource_type, next.schema.id, plan.checks,
                              options_.max_evolution_scan, &complete,
                              registry->FindResourceType(next.resource_type)));
      RETURN_IF_ERROR(RefuseContradicted(next.resource_type, plan.checks, counts, complete));
    }
    const bool created = prior == nullptr || prior->deleted();
    bool raced = false;
    v1::StoredSchema record = std::move(plan.record);
    record.set_field_number(prior != nullptr ? prior->field_number() : NextFieldNumber(records));
    RETURN_IF_ERROR(RunInTransaction(*kv_, [&](KvTransaction& txn) -> absl::Status {
      ASSIGN_OR_RETURN(std::optional<std::string> current,
                       txn.GetForUpdate(kSchemasCf, VersionKey(tenant)));
      ASSIGN_OR_RETURN(uint64_t now_at, DecodeVersion(current));
      raced = now_at != version;
      if (raced) return absl::OkStatus();  // nothing written
      const auto now = ToTimestamp(runtime_.clock->Now());
      record.set_tenant(std::string(tenant));
      record.set_version(version + 1);
      if (!record.has_created()) *record.mutable_created() = now;
      *record.mutable_updated() = now;
      RETURN_IF_ERROR(txn.Put(kSchemasCf, key, record.SerializeAsString()));
      RETURN_IF_ERROR(txn.Put(kSchemasCf, VersionKey(tenant),
                              EncodeCounter(static_cast<int64_t>(version + 1))));
      v1::AuditEvent event =
          audit::NewEvent(*runtime_.clock, *runtime_.random, tenant,
                          created ? "schema.create" : "schema.update", "Schema",
                          next.schema.id, context);
      for (const std::string& a : plan.changed_attributes) event.add_changed_attributes(a);
      return outbox_->Add(txn, event);
    }));
    if (raced) continue;
    outbox_->Committed();
    if (changed_) changed_(std::string(tenant));
    return PutSchemaResult{next.schema.id, version + 1, true};
  }
  return absl::AbortedError(
      "the tenant's schemas kept changing during this put; try again");
}

absl::StatusOr<v1::StoredSchema> TenantSchemas::Get(absl::string_view tenant,
                                                    absl::string_view urn) {
  RETURN_IF_ERROR(CheckTenant(tenant));
  ASSIGN_OR_RETURN(std::optional<std::string> bytes, kv_->Get(kSchemasCf, RecordKey(tenant, urn)));
  if (!bytes.has_value()) return NoSuchSchema(tenant, urn);
  ASSIGN_OR_RETURN(v1::StoredSchema record, ParseRecord<v1::StoredSchema>(*bytes));
  if (record.deleted()) return NoSuchSchema(tenant, urn);
  return record;
}

absl::StatusOr<std::vector<v1::StoredSchema>> TenantSchemas::List(absl::string_view tenant) {
  RETURN_IF_ERROR(CheckTenant(tenant));
  ASSIGN_OR_RETURN(std::vector<v1::StoredSchema> records, Records(tenant));
  std::vector<v1::StoredSchema> out;
  for (v1::StoredSchema& r : records) {
    if (!r.deleted()) out.push_back(std::move(r));
  }
  return out;
}

absl::StatusOr<uint64_t> TenantSchemas::Delete(absl::string_view tenant, absl::string_view urn,
                                               const audit::EventContext& context) {
  RETURN_IF_ERROR(CheckTenant(tenant));
  RETURN_IF_ERROR(outbox_->CheckCapacity());
  uint64_t version = 0;
  RETURN_IF_ERROR(RunInTransaction(*kv_, [&](KvTransaction& txn) -> absl::Status {
    ASSIGN_OR_RETURN(std::optional<std::string> current,
                     txn.GetForUpdate(kSchemasCf, VersionKey(tenant)));
    ASSIGN_OR_RETURN(version, DecodeVersion(current));
    const std::string key = RecordKey(tenant, urn);
    ASSIGN_OR_RETURN(std::optional<std::string> bytes, txn.GetForUpdate(kSchemasCf, key));
    if (!bytes.has_value()) return NoSuchSchema(tenant, urn);
    ASSIGN_OR_RETURN(v1::StoredSchema record, ParseRecord<v1::StoredSchema>(*bytes));
    if (record.deleted()) return NoSuchSchema(tenant, urn);
    ++version;
    record.set_deleted(true);
    record.set_version(version);
    *record.mutable_updated() = ToTimestamp(runtime_.clock->Now());
    RETURN_IF_ERROR(txn.Put(kSchemasCf, key, record.SerializeAsString()));
    RETURN_IF_ERROR(
        txn.Put(kSchemasCf, VersionKey(tenant), EncodeCounter(static_cast<int64_t>(version))));
    return outbox_->Add(txn, audit::NewEvent(*runtime_.clock, *runtime_.random, tenant,
                                             "schema.delete", "Schema", record.urn(), context));
  }));
  outbox_->Committed();
  if (changed_) changed_(std::string(tenant));
  return version;
}

absl::StatusOr<std::vector<std::string>> TenantSchemas::Tenants() {
  std::vector<std::string> tenants;
  // Records ("{tenant}/{urn}") sort right after their tenant's version key.
  RETURN_IF_ERROR(kv_->Scan(kSchemasCf, "", "", [&](absl::string_view key, absl::string_view) {
    if (key.find('/') == absl::string_view::npos) tenants.emplace_back(key);
    return true;
  }));
  return tenants;
}

absl::StatusOr<TenantSchemaSet> TenantSchemas::Load(absl::string_view tenant) {
  RETURN_IF_ERROR(CheckTenant(tenant));
  // The version read before and after the records: equal, nothing changed
  // in between (every change bumps it).
  for (int attempt = 0; attempt < 5; ++attempt) {
    TenantSchemaSet set;
    ASSIGN_OR_RETURN(set.version, Version(tenant));
    ASSIGN_OR_RETURN(std::vector<v1::StoredSchema> records, List(tenant));
    ASSIGN_OR_RETURN(uint64_t after, Version(tenant));
    if (after != set.version) continue;
    for (v1::StoredSchema& record : records) {
      ASSIGN_OR_RETURN(Json document,
                       ParseJsonBounded(record.document_json(), "a stored schema"));
      absl::StatusOr<ExtensionSchema> schema = ExtensionSchemaFromJson(document);
      if (!schema.ok()) {
        return absl::DataLossError(absl::StrCat("stored schema ", record.urn(), " of ", tenant,
                                                " no longer validates: ",
                                                schema.status().message()));
      }
      schema->field_number = record.field_number();
      for (const v1::SchemaAttributeField& f : record.fields()) {
        if (!f.retired()) schema->field_numbers.emplace_back(f.path(), f.number());
      }
      set.schemas.push_back(LoadedSchema{std::move(*schema), std::move(record)});
    }
    return set;
  }
  return absl::AbortedError(
      absl::StrCat("the schemas of ", tenant, " kept changing while being read"));
}

absl::Status TenantSchemas::RemoveTenant(absl::string_view tenant) {
  RETURN_IF_ERROR(CheckTenant(tenant));
  return RunInTransaction(*kv_, [&](KvTransaction& txn) -> absl::Status {
    ASSIGN_OR_RETURN(std::optional<std::string> current,
                     txn.GetForUpdate(kSchemasCf, VersionKey(tenant)));
    ASSIGN_OR_RETURN(uint64_t version, DecodeVersion(current));
    std::vector<std::string> keys;
    // At most max_records_per_tenant keys.
    RETURN_IF_ERROR(txn.Scan(kSchemasCf, absl::StrCat(tenant, "/"), "",
                             [&](absl::string_view key, absl::string_view) {
                               keys.emplace_back(key);
                               return true;
                             }));
    for (const std::string& key : keys) RETURN_IF_ERROR(txn.Delete(kSchemasCf, key));
    return txn.Put(kSchemasCf, VersionKey(tenant),
                   EncodeCounter(static_cast<int64_t>(version + 1)));
  });
}

v1::TenantSchema TenantSchemas::Visible(const v1::StoredSchema& stored) {
  v1::TenantSchema out;
  out.set_urn(stored.urn());
  out.set_resource_type(stored.resource_type());
  out.set_version(stored.version());
  *out.mutable_created() = stored.created();
  *out.mutable_updated() = stored.updated();
  for (const v1::HiddenAttribute& h : stored.hidden_attributes()) {
    out.add_hidden_attributes(h.name());
  }
  Json document = Json::parse(stored.document_json(), nullptr, false);
  if (!document.is_object()) document = Json::object();
  out.set_name(document.value("name", ""));
  // As /Schemas/{urn} serves it (RFC 7643 §7), plus our resourceType and
  // indexed.
  Json served = Json::object();
  served["schemas"] = Json::array({kSchemaSchemaUrn});
  for (auto& item : document.items()) served[item.key()] = item.value();
  served["meta"] = {{"resourceType", "Schema"},
                    {"created", Rfc3339(stored.created())},
                    {"lastModified", Rfc3339(stored.updated())},
                    {"version", absl::StrCat("W/\"", stored.version(), "\"")},
                    {"location", ResourceLocation(stored.tenant(), "Schemas", stored.urn())}};
  out.set_schema_json(served.dump());
  out.set_field_number(stored.field_number());
  for (const v1::SchemaAttributeField& f : stored.fields()) {
    if (!f.retired()) *out.add_fields() = f;
  }
  return out;
}

}  // namespace scim::identity
