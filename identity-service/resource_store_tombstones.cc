// ResourceStore's tombstones: writing one on a soft delete, bringing one
// back on an update, reading them, and purging them after their retention.
#include "identity-service/resource_store.h"
#include "identity-service/change_events.h"

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/proto_util.h"
#include "common/status.h"
#include "identity-service/if_match.h"
#include "identity-service/keys.h"
#include "identity-service/resource_counts.h"
#include "identity-service/message_fields.h"
#include "identity-service/stored_resource.h"
#include "identity-service/write_retry.h"

namespace scim::identity {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

namespace {

absl::Status ParseTombstone(absl::string_view bytes, absl::string_view key,
                            v1::Tombstone* out) {
  if (!out->ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return absl::DataLossError(absl::StrCat("corrupt tombstone ", key));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ResourceStore::WriteTombstone(KvTransaction& txn,
                                           const ResourceType& type,
                                           absl::string_view tenant,
                                           absl::string_view id,
                                           Message* deleted) {
  // The groups it was directly in stay readable, as its ownership did.
  ASSIGN_OR_RETURN(std::vector<v1::ResourceReference> groups,
                   membership_.GroupsOf(tenant, id));
  const FieldDescriptor* f = Field(*deleted, type.groups_attribute);
  for (auto& g : groups) {
    if (g.type() != "direct") continue;
    static_cast<v1::ResourceReference*>(
        deleted->GetReflection()->AddMessage(deleted, f))->Swap(&g);
  }
  if (const FieldDescriptor* active = Field(*deleted, type.active_attribute)) {
    deleted->GetReflection()->SetBool(deleted, active, false);
  }
  const absl::Time now = clock_->Now();
  v1::Meta* meta = MutableMeta(deleted);
  *meta->mutable_last_modified() = ToTimestamp(now);
  meta->set_version(FormatVersion(ParseVersion(meta->version()) + 1));
  v1::Tombstone tombstone;
  tombstone.set_resource(deleted->SerializeAsString());
  *tombstone.mutable_deleted() = ToTimestamp(now);
  *tombstone.mutable_purge_after() = ToTimestamp(now + tombstone_retention_);
  return txn.Put(kTombstonesCf, ResourceKey(tenant, type.name, id),
                 tombstone.SerializeAsString());
}

absl::Status ResourceStore::LoadUpdatable(KvTransaction& txn,
                                          const ResourceType& type,
                                          absl::string_view tenant,
                                          absl::string_view id,
                                          absl::string_view if_match,
                                          Message* out, bool* from_tombstone) {
  *from_tombstone = false;
  absl::Status live = LoadForUpdate(txn, type, tenant, id, if_match, out);
  if (!absl::IsNotFound(live) || !type.tombstones) return live;
  const std::string key = ResourceKey(tenant, type.name, id);
  ASSIGN_OR_RETURN(std::optional<std::string> bytes,
                   txn.GetForUpdate(kTombstonesCf, key));
  if (!bytes.has_value()) return live;
  v1::Tombstone tombstone;
  RETURN_IF_ERROR(ParseTombstone(*bytes, key, &tombstone));
  if (FromTimestamp(tombstone.purge_after()) <= clock_->Now()) return live;
  RETURN_IF_ERROR(ParseStored(tombstone.resource(), type, id, out));
  // The former groups are a record, not memberships to restore.
  out->GetReflection()->ClearField(out, Field(*out, type.groups_attribute));
  const std::string& version = GetMeta(*out).version();
  if (!IfMatchAccepts(if_match, version)) return PreconditionFailed(version);
  *from_tombstone = true;
  return absl::OkStatus();
}

absl::Status ResourceStore::Revive(KvTransaction& txn, const ResourceType& type,
                                   absl::string_view tenant, absl::string_view id,
                                   const Message& revived) {
  const FieldDescriptor* active = Field(revived, type.active_attribute);
  if (active == nullptr || !revived.GetReflection()->GetBool(revived, active)) {
    // Anything but a reactivation sees the resource as deleted.
    return NotFound(absl::StrCat(type.name, " ", id, " not found"));
  }
  RETURN_IF_ERROR(AdjustCounts(txn, tenant, type.name, id, +1));
  return txn.Delete(kTombstonesCf, ResourceKey(tenant, type.name, id));
}

absl::Status ResourceStore::GetTombstone(const ResourceType& type,
                                         absl::string_view tenant,
                                         absl::string_view id,
                                         v1::Tombstone* out) {
  const std::string key = ResourceKey(tenant, type.name, id);
  ASSIGN_OR_RETURN(std::optional<std::string> bytes, kv_->Get(kTombstonesCf, key));
  if (bytes.has_value()) RETURN_IF_ERROR(ParseTombstone(*bytes, key, out));
  if (!bytes.has_value() || FromTimestamp(out->purge_after()) <= clock_->Now()) {
    return NotFound(absl::StrCat("no deleted ", type.name, " ", id));
  }
  return absl::OkStatus();
}

absl::Status ResourceStore::ListTombstones(const ResourceType& type,
                                           absl::string_view tenant,
                                           absl::string_view page_token,
                                           int32_t page_size,
                                           TombstonePage* out) {
  const size_t limit = static_cast<size_t>(
      page_size <= 0 ? kDefaultCount : std::min(page_size, 1000));
  const std::string prefix = ResourcePrefix(tenant, type.name);
  // The token is the last id returned; the scan starts just after it.
  const std::string start =
      page_token.empty() ? "" : absl::StrCat(prefix, page_token, std::string(1, '\0'));
  const absl::Time now = clock_->Now();
  absl::Status parse;
  std::string last;
  bool more = false;
  RETURN_IF_ERROR(kv_->Scan(
      kTombstonesCf, prefix, start,
      [&](absl::string_view key, absl::string_view value) {
        if (out->tombstones.size() == limit) {
          more = true;
          return false;
        }
        v1::Tombstone t;
        parse = ParseTombstone(value, key, &t);
        if (!parse.ok()) return false;
        if (FromTimestamp(t.purge_after()) > now) {
          out->tombstones.push_back(std::move(t));
          last = std::string(key.substr(prefix.size()));
        }
        return true;
      }));
  RETURN_IF_ERROR(parse);
  if (more) out->next_page_token = last;
  return absl::OkStatus();
}

absl::StatusOr<int64_t> ResourceStore::PurgeTombstones() {
  const absl::Time now = clock_->Now();
  std::vector<std::string> expired;
  absl::Status parse;
  RETURN_IF_ERROR(kv_->Scan(kTombstonesCf, "", "",
                            [&](absl::string_view key, absl::string_view value) {
                              v1::Tombstone t;
                              parse = ParseTombstone(value, key, &t);
                              if (!parse.ok()) return false;
                              if (FromTimestamp(t.purge_after()) <= now) {
                                expired.emplace_back(key);
                              }
                              return true;
                            }));
  RETURN_IF_ERROR(parse);
  int64_t purged = 0;
  for (const std::string& key : expired) {
    // {tenant}/{type}/{id}
    std::vector<std::string> parts = absl::StrSplit(key, absl::MaxSplits('/', 2));
    if (parts.size() != 3) continue;
    const ResourceType& type =
        parts[1] == GroupResourceType().name ? GroupResourceType() : UserResourceType();
    RETURN_IF_ERROR(outbox_->CheckCapacity());
    bool removed = false;
    events::EventLog::Batch batch(events_);
    RETURN_IF_ERROR(RunWrite(*kv_, *random_, Deadline(), [&](KvTransaction& txn) {
      removed = false;
      // Re-read under the lock: it may have been brought back meanwhile.
      ASSIGN_OR_RETURN(std::optional<std::string> bytes,
                       txn.GetForUpdate(kTombstonesCf, key));
      if (!bytes.has_value()) return absl::OkStatus();
      v1::Tombstone t;
      RETURN_IF_ERROR(ParseTombstone(*bytes, key, &t));
      if (FromTimestamp(t.purge_after()) > now) return absl::OkStatus();
      RETURN_IF_ERROR(txn.Delete(kTombstonesCf, key));
      removed = true;
      const RequestContext retention{"system:retention", "", ""};
      RETURN_IF_ERROR(AddEvent(type, parts[0], parts[2], "purge", {}, retention, txn));
      ResourceChange change{ResourceChange::Kind::kPurged, &type, parts[0], parts[2]};
      return StageEvents(txn, batch, change, retention);
    }));
    batch.Done();
    if (removed) {
      outbox_->Committed();
      ++purged;
    }
  }
  return purged;
}

}  // namespace scim::identity
