// Each tenant's extension schemas, in identity-service's `schemas` column
// family:
//
//   {tenant}/{urn lower-cased} -> v1.StoredSchema
//   {tenant}                   -> the tenant's schema version (8-byte
//                                 counter encoding), bumped by every change
//
// Every change (put, delete) locks the tenant's version key, so a tenant's
// changes are serialized and numbered; each writes its audit event through
// the outbox in the same transaction. Evolution rules: schema_evolution.h.
// Deleting a schema hides it (its record, field numbers and the values
// resources hold under it are kept); putting it again brings it back.
#ifndef SCIM_IDENTITY_SERVICE_TENANT_SCHEMAS_H_
#define SCIM_IDENTITY_SERVICE_TENANT_SCHEMAS_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "clients/audit/event_context.h"
#include "clients/audit/outbox.h"
#include "common/runtime.h"
#include "identity-service/keys.h"
#include "scim/extension_schema.h"
#include "scim/v1/schemas.pb.h"
#include "storage/kv_store.h"

namespace scim::identity {

struct TenantSchemasOptions {
  // Schemas a tenant may have (deleted ones not counted).
  size_t max_per_tenant = 20;
  // Records a tenant may keep, deleted ones included.
  size_t max_records_per_tenant = 100;
  // Resources an evolution check reads at most (schema_evolution.h).
  int64_t max_evolution_scan = 5000000;
};

struct PutSchemaResult {
  std::string urn;
  // The tenant's schema version after the put.
  uint64_t version = 0;
  // False when the document was already stored as it is (nothing written).
  bool changed = false;
};

// One of a tenant's schemas, parsed: what the per-tenant registry is built
// from.
struct LoadedSchema {
  ExtensionSchema schema;  // visible attributes only
  v1::StoredSchema record;  // field numbers (FindField), hidden attributes, times
};

struct TenantSchemaSet {
  // The version these schemas are at: cache a registry by it.
  uint64_t version = 0;
  // Not deleted ones, by lower-cased URN.
  std::vector<LoadedSchema> schemas;
};

class TenantSchemas {
 public:
  // `kv` holds kSchemasCf and the resources (to check evolutions against);
  // `outbox` takes the audit events.
  TenantSchemas(KvStore* kv, audit::Outbox* outbox, Runtime runtime,
                TenantSchemasOptions options = {});

  // Creates or evolves the schema the document names (`json_text`, at most
  // kMaxSchemaDocumentBytes). INVALID_ARGUMENT for a document that does not
  // validate or a URN that overlaps another of the tenant's ("urn:a" and
  // "urn:a:b" could not be told apart in attribute paths);
  // FAILED_PRECONDITION for a refused evolution or a tenant at its limit.
  absl::StatusOr<PutSchemaResult> Put(absl::string_view tenant, absl::string_view json_text,
                                      const audit::EventContext& context);
  // NOT_FOUND for an unknown or deleted URN (case-insensitive).
  absl::StatusOr<v1::StoredSchema> Get(absl::string_view tenant, absl::string_view urn);
  // The tenant's schemas, deleted ones left out, by lower-cased URN.
  absl::StatusOr<std::vector<v1::StoredSchema>> List(absl::string_view tenant);
  // Hides the schema; returns the tenant's new version. NOT_FOUND when it is
  // unknown or already deleted.
  absl::StatusOr<uint64_t> Delete(absl::string_view tenant, absl::string_view urn,
                                  const audit::EventContext& context);
  // The tenant's schema version (0: never had a schema): one point read.
  absl::StatusOr<uint64_t> Version(absl::string_view tenant);
  // The tenant's schemas parsed, with the version they are at (one
  // consistent read).
  absl::StatusOr<TenantSchemaSet> Load(absl::string_view tenant);
  // Removes every schema of `tenant` (tenant deletion). The version key
  // stays, bumped, so that a tenant created again under the name never
  // reuses a version a cache may still hold.
  absl::Status RemoveTenant(absl::string_view tenant);

  // The tenants that have (or had) schemas: one pass over the version keys.
  absl::StatusOr<std::vector<std::string>> Tenants();
  // Called with the tenant after each committed put or delete of its
  // schemas. Set before serving.
  void set_changed_hook(std::function<void(const std::string&)> hook) {
    changed_ = std::move(hook);
  }

  // The schema as callers see it (GetSchema, ListSchemas).
  static v1::TenantSchema Visible(const v1::StoredSchema& stored);

 private:
  static std::string VersionKey(absl::string_view tenant);
  static std::string RecordKey(absl::string_view tenant, absl::string_view urn);
  absl::StatusOr<std::vector<v1::StoredSchema>> Records(absl::string_view tenant);
  // OK, or why `urn` may not join the tenant's `others` (their count, URN
  // overlaps).
  absl::Status CheckTenantRoom(absl::string_view urn,
                               const std::vector<v1::StoredSchema>& records) const;

  KvStore* const kv_;
  audit::Outbox* const outbox_;
  const Runtime runtime_;
  const TenantSchemasOptions options_;
  std::function<void(const std::string&)> changed_;
};

}  // namespace scim::identity

#endif  // SCIM_IDENTITY_SERVICE_TENANT_SCHEMAS_H_
