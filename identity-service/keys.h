// Key layout of identity-service's column families (ARCHITECTURE.md).
//
//   resources  {tenant}/{type}/{id}                      -> resource proto
//   unique     {tenant}/{type}/{attr}/{esc(value)}       -> id
//   index      {tenant}/{type}/{attr}/{esc(value)}{id}   -> ""
//              (a single-valued attribute's "no value" too: index_encoding.h)
//              ~ready/{type}/{attr} -> the encoding its entries are complete
//              in (index_encoding.h; absent: not usable, index_backfill.cc)
//   members    {tenant}/{group}/{member}, members_reverse the other way
//   tombstones {tenant}/{type}/{id}                      -> v1.Tombstone
//   outbox     (clients/audit/outbox.h)
//   events_pending, events   (events/event_log.h)
//   webhooks   (webhooks/webhook_store.h)
//   schemas    {tenant}/{urn lower-cased} -> v1.StoredSchema, {tenant} -> the
//              tenant's schema version (identity-service/tenant_schemas.h)
//
// Tenant ids are [a-z0-9-] and type names alphanumeric, so '/' separates them
// unambiguously; attribute values are escaped so that a value is never a
// prefix of another value's keys.
#ifndef SCIM_IDENTITY_SERVICE_KEYS_H_
#define SCIM_IDENTITY_SERVICE_KEYS_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace scim::identity {

inline constexpr char kResourcesCf[] = "resources";
inline constexpr char kUniqueCf[] = "unique";
inline constexpr char kIndexCf[] = "index";
inline constexpr char kMembersCf[] = "members";
inline constexpr char kMembersReverseCf[] = "members_reverse";
inline constexpr char kOutboxCf[] = "outbox";
inline constexpr char kTombstonesCf[] = "tombstones";
// tenant/type/shard -> how many resources of the type the tenant has, split
// over shards so that concurrent creates rarely wait on one key
// (resource_counts.cc).
inline constexpr char kCountsCf[] = "counts";

// Webhook endpoints and their delivery state (webhooks/).
inline constexpr char kWebhooksCf[] = "webhooks";

// Tenants' extension schemas (tenant_schemas.h).
inline constexpr char kSchemasCf[] = "schemas";

const std::vector<std::string>& ColumnFamilies();
// The layout of this service's database (DataFormat, storage/kv_store.h):
// raise it, with a migration, when the layout changes incompatibly.
inline constexpr int kDataFormat = 1;

std::string ResourcePrefix(absl::string_view tenant, absl::string_view type);
std::string ResourceKey(absl::string_view tenant, absl::string_view type,
                        absl::string_view id);
// Every entry of one attribute in `unique` or `index`: {tenant}/{type}/{attr}/.
std::string AttributeKeyPrefix(absl::string_view tenant, absl::string_view type,
                               absl::string_view attribute);
// Shared by `unique` (exact key) and `index` (prefix of the entries).
std::string ValueKey(absl::string_view tenant, absl::string_view type,
                     absl::string_view attribute, absl::string_view value);
std::string IndexKey(absl::string_view tenant, absl::string_view type,
                     absl::string_view attribute, absl::string_view value,
                     absl::string_view id);
// The id that ends an `index` key whose escaped value starts at
// `value_start` (after the attribute's prefix): EscapeKeyComponent escapes
// \0 as \0\xff, so the first \0\x01 there ends the value. Empty when
// `key` has no such end.
absl::string_view IdOfIndexKey(absl::string_view key, size_t value_start);
// In `index`, past every tenant's keys ('~' sorts after [a-z0-9-]): says
// the attribute's entries are complete, in the encoding it holds.
inline constexpr char kIndexReadyPrefix[] = "~ready/";
std::string IndexReadyKey(absl::string_view type, absl::string_view attribute);

// A resource's SCIM location, relative (the edge makes it absolute):
// /t/{tenant}/scim/v2/{endpoint}/{id}.
std::string ResourceLocation(absl::string_view tenant, absl::string_view endpoint,
                             absl::string_view id);

// Order-preserving, prefix-free escaping: 0x00 -> 0x00 0xFF, then 0x00 0x01.
std::string EscapeKeyComponent(absl::string_view value);

}  // namespace scim::identity

#endif  // SCIM_IDENTITY_SERVICE_KEYS_H_
