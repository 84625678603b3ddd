// The generic SCIM resource store: create, get, replace, delete and list any
// resource type described by a ResourceType, over any KvStore.
//
// Each mutation is one transaction holding the resource, its unique keys, its
// index entries and its audit outbox event; uniqueness and If-Match are
// checked under the transaction's key locks, so they hold at commit.
#ifndef SCIM_IDENTITY_SERVICE_RESOURCE_STORE_H_
#define SCIM_IDENTITY_SERVICE_RESOURCE_STORE_H_

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "common/clock.h"
#include "common/etag_cache.h"
#include "common/random.h"
#include "google/protobuf/message.h"
#include "clients/audit/outbox.h"
#include "events/event_log.h"
#include "identity-service/cursor.h"
#include "identity-service/deadline.h"
#include "identity-service/membership.h"
#include "identity-service/resource_types.h"
#include "identity-service/write_only.h"
#include "scim/attribute_resolver.h"
#include "scim/filter_eval.h"
#include "scim/limits.h"
#include "scim/patch.h"
#include "scim/projection.h"
#include "scim/schema.h"
#include "scim/validation.h"
#include "scim/v1/identity.pb.h"
#include "scim/v1/resources.pb.h"
#include "storage/kv_store.h"

namespace scim::identity {

struct ResourceChange;  // change_events.h
struct SortIndex;       // sort_index.h

// Who asks (for the audit trail), and until when the request may work.
struct RequestContext : audit::EventContext {
  RequestContext() = default;
  RequestContext(audit::EventContext who, Deadline until = {})
      : audit::EventContext(std::move(who)), deadline(std::move(until)) {}
  RequestContext(std::string actor, std::string client_address,
                 std::string request_id, Deadline until = {})
      : audit::EventContext{std::move(actor), std::move(client_address),
                            std::move(request_id)},
        deadline(std::move(until)) {}

  Deadline deadline;
};

struct ListResult {
  int64_t total_results = 0;
  // A cursor page whose total would cost a pass over every match leaves it
  // out (RFC 9865 §2.2); total_results is then 0.
  bool total_omitted = false;
  int32_t start_index = 1;
  std::vector<std::unique_ptr<google::protobuf::Message>> resources;
  // RFC 9865, when the request asked for cursor pagination.
  std::string next_cursor;
  std::string previous_cursor;
};

// One page of tombstones, in id order.
struct TombstonePage {
  std::vector<v1::Tombstone> tombstones;
  std::string next_page_token;  // empty on the last page
};

// How long a soft-deleted user is kept before it is purged, by default.
inline constexpr absl::Duration kDefaultTombstoneRetention = absl::Hours(24 * 30);

// Resources per transaction when EnsureIndexes rebuilds index entries.
inline constexpr size_t kIndexBackfillBatch = 1000;

// Defaults and bounds of index pagination.
inline constexpr int32_t kDefaultCount = kDefaultPageSize;
inline constexpr int32_t kMaxCount = kMaxPageSize;
// How many records one list request may examine (filter and sort work),
// by default: at about a microsecond each, well inside a request's deadline
// on a busy node. More answers 400 tooMany.
inline constexpr int64_t kDefaultListScanLimit = 250000;

class ResourceStore {
 public:
  // The count, or nullopt while the counts are not trusted (a database from
  // before them, until EnsureCounts ran).
  absl::StatusOr<std::optional<int64_t>> Count(const ResourceType& type,
                                              absl::string_view tenant);
  // Makes the resource counts trustworthy: on a database written before
  // they existed, counts every tenant's resources once (call at start-up,
  // before serving writes). A no-op once done.
  absl::Status EnsureCounts();
  // Makes every declared index (ResourceType::indexed) usable by filters:
  // an index whose entries are missing (a database from before it) or in
  // another encoding is rebuilt from the resources in one pass, `batch`
  // resources per transaction, and only then marked ready; entries of
  // indexes no longer declared are removed. Call at start-up, before serving
  // writes; returns how many resources were read (0: nothing to do).
  absl::StatusOr<int64_t> EnsureIndexes(size_t batch = kIndexBackfillBatch);

  // `registry` holds the schemas of the types served. `cursor_key` signs
  // pagination cursors (kept across restarts by the caller); empty = a
  // random key for this process.
  ResourceStore(KvStore* kv, audit::Outbox* outbox, const SchemaRegistry* registry,
                Clock* clock, RandomSource* random, std::string cursor_key = "");

  // The same store (data, settings, id sequence, cursor key) running with
  // `registry`, a tenant's (identity-service/tenant_stores.h): its requests
  // then filter, sort, patch, project and validate by the tenant's schemas.
  // Messages cross its methods as the generated v1 types all the same
  // (scim/extension_fields.h); only inside are they the tenant's.
  std::unique_ptr<ResourceStore> WithRegistry(
      std::shared_ptr<const SchemaRegistry> registry) const;

  const SchemaRegistry& registry() const { return *registry_; }
  // `type` with the unique and indexed attributes of this store's registry
  // (a tenant's custom ones: schema_keys.h).
  const ResourceType& KeysOf(const ResourceType& type) const;
  // Completes the tenant's custom indexes (online: writes go on meanwhile):
  // entries of indexes no longer declared, or declared in another encoding,
  // are removed; every resource of `tenant` is read under its lock, `batch`
  // per transaction, for the entries of each declared index not yet
  // complete, whose ready marker is then written, so that filters use it.
  // Returns the resources read (0: nothing to do).
  absl::StatusOr<int64_t> BuildTenantIndexes(absl::string_view tenant,
                                             size_t batch = kIndexBackfillBatch);
  // The schema of `type` in this store's registry.
  const ResourceTypeSchema& SchemaOf(const ResourceType& type) const;
  // A request's attributes / excludedAttributes over that schema. Without
  // either (most requests) it is the type's default, built once and shared:
  // building one walks the whole schema.
  std::shared_ptr<const Projection> ProjectionOf(const ResourceType& type,
                                                 const v1::Projection& p) const;
  std::shared_ptr<const Projection> ProjectionOf(
      const ResourceType& type,
      const google::protobuf::RepeatedPtrField<std::string>& attributes,
      const google::protobuf::RepeatedPtrField<std::string>& excluded_attributes) const;

  // Applies `projection` (from this store's ProjectionOf) to `resource`, a
  // message of the generated v1 type as the methods here return them.
  void Project(const ResourceType& type, const Projection& projection,
               google::protobuf::Message* resource) const;

  // `resource` is the client's input; on success it holds the stored
  // resource as it is returned (no password), projected by `projection`
  // (optional, from this store's ProjectionOf).
  absl::Status Create(const ResourceType& type, absl::string_view tenant,
                      google::protobuf::Message* resource,
                      const RequestContext& context,
                      const ValidationOptions& validation = {},
                      const Projection* projection = nullptr);
  // `projection` (optional) is applied, and decides whether membership
  // edges are read at all.
  absl::Status Get(const ResourceType& type, absl::string_view tenant,
                   absl::string_view id, google::protobuf::Message* out,
                   const Projection* projection = nullptr);
  // Full replace (RFC 7644 §3.5.1); `if_match` empty = unconditional.
  // Replace and Patch of a tombstone's id whose result is `active` bring the
  // resource back (its unique values must still be free); otherwise a
  // tombstone is NOT_FOUND like any deleted resource.
  absl::Status Replace(const ResourceType& type, absl::string_view tenant,
                       absl::string_view id, absl::string_view if_match,
                       google::protobuf::Message* resource,
                       const RequestContext& context,
                       const ValidationOptions& validation = {},
                       const Projection* projection = nullptr);
  // RFC 7644 §3.5.2: all operations or none, under If-Match; `out` gets the
  // patched resource, projected by `projection` (optional): a group patched
  // with `excludedAttributes=members` costs O(changed members), read-back
  // included.
  absl::Status Patch(const ResourceType& type, absl::string_view tenant,
                     absl::string_view id, absl::string_view if_match,
                     const std::vector<PatchOp>& operations,
                     google::protobuf::Message* out, const RequestContext& context,
                     const ValidationOptions& validation = {},
                     const Projection* projection = nullptr);
  // `soft` (for types with tombstones): the resource leaves every SCIM
  // read and frees its unique values, but is kept, deactivated, as a
  // tombstone until the retention period has passed.
  absl::Status Delete(const ResourceType& type, absl::string_view tenant,
                      absl::string_view id, absl::string_view if_match,
                      const RequestContext& context, bool soft = false);
  // Tombstones not yet past their retention.
  absl::Status GetTombstone(const ResourceType& type, absl::string_view tenant,
                            absl::string_view id, v1::Tombstone* out);
  absl::Status ListTombstones(const ResourceType& type, absl::string_view tenant,
                              absl::string_view page_token, int32_t page_size,
                              TombstonePage* out);
  // Removes every tombstone whose retention has passed (a user.purge audit
  // event each); returns how many.
  absl::StatusOr<int64_t> PurgeTombstones();
  void set_tombstone_retention(absl::Duration retention) {
    tombstone_retention_ = retention;
  }
  // Every write publishes the resource's new version to `cache` while it
  // still holds the resource's lock, before it is acknowledged. Set before
  // serving writes: it starts the cache's new epoch (StartPublishing), since
  // an earlier process may have died with a publish Redis never took.
  void set_etag_cache(EtagCache* cache) {
    if (cache != nullptr) cache->StartPublishing();
    etags_ = cache;
  }
  void set_list_scan_limit(int64_t limit) { list_scan_limit_ = limit; }
  // Every write stages its directory events (change_events.h) in `log`,
  // in its own transaction. Set before serving writes; null = none.
  void set_event_log(events::EventLog* log) { events_ = log; }
  // Filter, sort, index or cursor pagination and projection (RFC 7644
  // §3.4.2, RFC 9865).
  // Stops with DEADLINE_EXCEEDED or CANCELLED when `deadline` says so.
  absl::Status List(const ResourceType& type, absl::string_view tenant,
                    const v1::ListRequest& request, ListResult* result,
                    const Deadline& deadline = {});
  // Removes all of `tenant`'s data, in bounded transactions; returns the
  // number of keys removed. Recorded as a tenant.purge audit event.
  absl::StatusOr<int64_t> DeleteTenant(absl::string_view tenant,
                                       const RequestContext& context);

 private:
  // Its members are defined by concept: the writes here in
  // resource_store.cc, the rest in resource_store_members.cc,
  // resource_store_tombstones.cc, query_executor.cc,
  // resource_store_tenant_data.cc, resource_counts.cc and index_backfill.cc.

  // resource_store.cc: the writeOnly attributes of `type` in this store's
  // registry (write_only.h).
  const std::vector<WriteOnlyPath>& WriteOnlyOf(const ResourceType& type) const;
  // A new message of `type` as this store's registry
  // has it (the tenant's, with its extension fields).
  std::unique_ptr<google::protobuf::Message> NewResource(const ResourceType& type) const;
  // The caller's message if it is of this store's type, else `*own`, made
  // here (empty).
  google::protobuf::Message* OfStoreType(const ResourceType& type,
                                         google::protobuf::Message* caller,
                                         std::unique_ptr<google::protobuf::Message>* own) const;
  // A request's resource as this store's type: its extensions map typed by
  // the registry's schemas (400 for values that do not fit; unknown
  // schemas dropped, or refused on a strict tenant).
  absl::StatusOr<google::protobuf::Message*> TakeInput(
      const ResourceType& type, google::protobuf::Message* caller,
      std::unique_ptr<google::protobuf::Message>* own,
      const ValidationOptions& validation) const;
  // Ends a request: `m` (this store's type) into the caller's `out`.
  void Return(google::protobuf::Message* m, google::protobuf::Message* out) const;
  // The side effects every write has.
  absl::Status AddEvent(const ResourceType& type, absl::string_view tenant,
                        absl::string_view id, absl::string_view operation,
                        std::vector<std::string> changed,
                        const RequestContext& context, KvTransaction& txn);
  // Stages the directory events of `change` (none without an event log).
  absl::Status StageEvents(KvTransaction& txn, events::EventLog::Batch& batch,
                           const ResourceChange& change,
                           const RequestContext& context);
  // Tells the ETag cache (if any) the version `m` has after this write.
  void PublishVersion(const ResourceType& type, absl::string_view tenant,
                      absl::string_view id, const google::protobuf::Message& m,
                      bool deleted);

  // resource_store_members.cc: the edge-backed attributes.
  // The members of a group applied from a PATCH, in the write's transaction;
  // records the edges written or removed in `changes`. Checks `deadline`
  // first: a PATCH may hold many member operations.
  absl::Status PatchMembers(KvTransaction& txn, absl::string_view tenant,
                            absl::string_view group, const ExternalPatch& patch,
                            const Deadline& deadline, MemberChanges* changes);
  // Fills the edge-backed attributes of `m` that `projection` returns.
  absl::Status ReadEdges(const ResourceType& type, absl::string_view tenant,
                         google::protobuf::Message* m, const Projection* projection);

  // resource_store_tombstones.cc.
  // The resource an update starts from: the stored one, or else a
  // tombstone (`*from_tombstone`) that the update may bring back.
  absl::Status LoadUpdatable(KvTransaction& txn, const ResourceType& type,
                             absl::string_view tenant, absl::string_view id,
                             absl::string_view if_match,
                             google::protobuf::Message* out, bool* from_tombstone);
  // Ends an update of a tombstone: the result must be active.
  absl::Status Revive(KvTransaction& txn, const ResourceType& type,
                      absl::string_view tenant, absl::string_view id,
                      const google::protobuf::Message& revived);
  // Part of a soft delete: keeps `deleted` (the resource as it was stored,
  // read under its lock) as a deactivated tombstone, with the groups it was
  // directly in; `deleted` gets the tombstone's meta.
  absl::Status WriteTombstone(KvTransaction& txn, const ResourceType& type,
                              absl::string_view tenant, absl::string_view id,
                              google::protobuf::Message* deleted);

  // query_executor.cc.
  struct Page;
  // page_of_all.cc: an unfiltered, unsorted list: reads only the page.
  absl::Status PageOfAll(const ResourceType& type, absl::string_view tenant,
                         Page* page);
  // page_in_sort_order.cc: an unfiltered list sorted by an attribute whose
  // entries `index` keeps its order (sort_index.h), read in that order.
  absl::Status PageInSortOrder(const ResourceType& type, absl::string_view tenant,
                               const SortIndex& index, const ResolvedAttribute& sort_by,
                               Page* page);
  // page_of_matches.cc: a filtered or sorted list, in bounded memory;
  // `sort_index` (may be null) keeps `sort_by`'s order.
  absl::Status PageOfMatches(const ResourceType& type, absl::string_view tenant,
                             const CompiledFilter* filter,
                             const ResolvedAttribute* sort_by,
                             const SortIndex* sort_index, Page* page);

  KvStore* kv_;
  audit::Outbox* outbox_;
  std::shared_ptr<const SchemaRegistry> registry_;
  // KeysOf's types: the given ones with the registry's unique and indexed
  // attributes.
  std::map<std::string, ResourceType> keyed_types_;
  // WriteOnlyOf's paths, by type name: found once, not per request.
  std::map<std::string, std::vector<WriteOnlyPath>> write_only_;
  Clock* clock_;
  RandomSource* random_;
  // Shared with the tenant stores made by WithRegistry: one id sequence,
  // and cursors valid whichever of them reads them.
  std::shared_ptr<UuidV7Generator> ids_;
  std::shared_ptr<const CursorCodec> cursors_;
  Membership membership_;
  absl::Duration tombstone_retention_ = kDefaultTombstoneRetention;
  EtagCache* etags_ = nullptr;
  events::EventLog* events_ = nullptr;
  int64_t list_scan_limit_ = kDefaultListScanLimit;
  // ProjectionOf's defaults, by type name, built on first use.
  mutable absl::Mutex default_projections_mu_;
  mutable std::map<std::string, std::shared_ptr<const Projection>> default_projections_
      ABSL_GUARDED_BY(default_projections_mu_);
};

}  // namespace scim::identity

#endif  // SCIM_IDENTITY_SERVICE_RESOURCE_STORE_H_
