// ResourceStore's writes and reads of one resource: Create, Get, Replace,
// Patch and Delete, each one transaction with its keys and audit event.
#include "identity-service/resource_store.h"

#include "scim/extension_fields.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/util/message_differencer.h"
#include "common/proto_util.h"
#include "common/status.h"
#include "identity-service/change_events.h"
#include "identity-service/key_index.h"
#include "identity-service/keys.h"
#include "identity-service/resource_counts.h"
#include "identity-service/message_fields.h"
#include "identity-service/password_hash.h"
#include "identity-service/schema_keys.h"
#include "identity-service/server_managed.h"
#include "identity-service/stored_resource.h"
#include "identity-service/write_only.h"
#include "identity-service/write_retry.h"
#include "scim/extension_fields.h"

namespace scim::identity {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

// Moves the references out of the edge-backed attribute of `m`.
std::vector<v1::ResourceReference> TakeMembers(const ResourceType& type,
                                               Message* m) {
  std::vector<v1::ResourceReference> refs;
  if (type.members_attribute.empty()) return refs;
  const FieldDescriptor* f = Field(*m, type.members_attribute);
  const auto* r = m->GetReflection();
  for (int i = 0; i < r->FieldSize(*m, f); ++i) {
    refs.push_back(static_cast<const v1::ResourceReference&>(
        r->GetRepeatedMessage(*m, f, i)));
  }
  r->ClearField(m, f);
  return refs;
}

}  // namespace

ResourceStore::ResourceStore(KvStore* kv, audit::Outbox* outbox,
                             const SchemaRegistry* registry, Clock* clock,
                             RandomSource* random, std::string cursor_key)
    : kv_(kv),
      outbox_(outbox),
      // Not owned: the caller keeps it.
      registry_(std::shared_ptr<const SchemaRegistry>(), registry),
      clock_(clock),
      random_(random),
      ids_(std::make_shared<UuidV7Generator>(clock, random)),
      cursors_(std::make_shared<const CursorCodec>(
          cursor_key.empty() ? random->Bytes(32) : std::move(cursor_key), clock)),
      membership_(kv) {
  for (const ResourceType* type : {&UserResourceType(), &GroupResourceType()}) {
    if (registry->FindResourceType(type->name) == nullptr) continue;
    keyed_types_.emplace(type->name, WithSchemaKeys(*type, SchemaOf(*type)));
    write_only_.emplace(type->name, WriteOnlyPaths(SchemaOf(*type)));
  }
}

std::unique_ptr<ResourceStore> ResourceStore::WithRegistry(
    std::shared_ptr<const SchemaRegistry> registry) const {
  auto store = std::make_unique<ResourceStore>(kv_, outbox_, registry.get(), clock_,
                                               random_, "unused");
  store->registry_ = std::move(registry);
  store->ids_ = ids_;
  store->cursors_ = cursors_;
  store->tombstone_retention_ = tombstone_retention_;
  // Already publishing: set_etag_cache would start a new epoch.
  store->etags_ = etags_;
  store->events_ = events_;
  store->list_scan_limit_ = list_scan_limit_;
  return store;
}

const std::vector<WriteOnlyPath>& ResourceStore::WriteOnlyOf(const ResourceType& type) const {
  static const std::vector<WriteOnlyPath>* const kNone = new std::vector<WriteOnlyPath>();
  auto it = write_only_.find(type.name);
  return it == write_only_.end() ? *kNone : it->second;
}

const ResourceType& ResourceStore::KeysOf(const ResourceType& type) const {
  auto it = keyed_types_.find(type.name);
  return it == keyed_types_.end() ? type : it->second;
}

const ResourceTypeSchema& ResourceStore::SchemaOf(const ResourceType& type) const {
  // Every ResourceType the store serves is one of its registry's.
  return *registry_->FindResourceType(type.name);
}

std::unique_ptr<Message> ResourceStore::NewResource(const ResourceType& type) const {
  return std::unique_ptr<Message>(SchemaOf(type).prototype->New());
}

void ResourceStore::Return(Message* m, Message* out) const { FromSchemaMessage(*m, out); }

Message* ResourceStore::OfStoreType(const ResourceType& type, Message* caller,
                                    std::unique_ptr<Message>* own) const {
  if (caller->GetDescriptor() == SchemaOf(type).prototype->GetDescriptor()) return caller;
  *own = NewResource(type);
  return own->get();
}

absl::StatusOr<Message*> ResourceStore::TakeInput(const ResourceType& type, Message* caller,
                                                  std::unique_ptr<Message>* own,
                                                  const ValidationOptions& validation) const {
  Message* m = OfStoreType(type, caller, own);
  RETURN_IF_ERROR(ToSchemaMessage(
      *caller, m, {.reject_unknown_attributes = validation.enforce_canonical_values}));
  return m;
}

void ResourceStore::Project(const ResourceType& type, const Projection& projection,
                            Message* resource) const {
  std::unique_ptr<Message> own;
  Message* typed = OfStoreType(type, resource, &own);
  // The store made `resource`: its extensions are the schema's own.
  ToSchemaMessage(*resource, typed).IgnoreError();
  projection.Apply(typed);
  Return(typed, resource);
}

absl::StatusOr<std::optional<int64_t>> ResourceStore::Count(const ResourceType& type,
                                                           absl::string_view tenant) {
  return ReadCount(*kv_, tenant, type.name);
}

absl::Status ResourceStore::EnsureCounts() { return identity::EnsureCounts(*kv_, *random_); }

std::shared_ptr<const Projection> ResourceStore::ProjectionOf(
    const ResourceType& type, const v1::Projection& p) const {
  return ProjectionOf(type, p.attributes(), p.excluded_attributes());
}

std::shared_ptr<const Projection> ResourceStore::ProjectionOf(
    const ResourceType& type,
    const google::protobuf::RepeatedPtrField<std::string>& attributes,
    const google::protobuf::RepeatedPtrField<std::string>& excluded_attributes) const {
  if (!attributes.empty() || !excluded_attributes.empty()) {
    return std::make_shared<const Projection>(
        SchemaOf(type), std::vector<std::string>(attributes.begin(), attributes.end()),
        std::vector<std::string>(excluded_attributes.begin(),
                                 excluded_attributes.end()));
  }
  {
    absl::ReaderMutexLock lock(&default_projections_mu_);
    auto it = default_projections_.find(type.name);
    if (it != default_projections_.end()) return it->second;
  }
  auto built = std::make_shared<const Projection>(
      SchemaOf(type), std::vector<std::string>(), std::vector<std::string>());
  absl::MutexLock lock(&default_projections_mu_);
  // Should two requests build it at once, both use the first one stored.
  return default_projections_.try_emplace(type.name, std::move(built)).first->second;
}

absl::Status ResourceStore::AddEvent(const ResourceType& type,
                                     absl::string_view tenant,
                                     absl::string_view id,
                                     absl::string_view operation,
                                     std::vector<std::string> changed,
                                     const RequestContext& context,
                                     KvTransaction& txn) {
  v1::AuditEvent event = audit::NewEvent(
      *clock_, *random_, tenant,
      absl::StrCat(absl::AsciiStrToLower(type.name), ".", operation), type.name,
      id, context);
  for (auto& c : changed) event.add_changed_attributes(std::move(c));
  return outbox_->Add(txn, event);
}

absl::Status ResourceStore::StageEvents(KvTransaction& txn, events::EventLog::Batch& batch,
                                         const ResourceChange& change,
                                         const RequestContext& context) {
  if (events_ == nullptr) return absl::OkStatus();
  for (const v1::Event& e : ChangeEvents(change, context, clock_->Now(), *ids_)) {
    RETURN_IF_ERROR(batch.Stage(txn, e));
  }
  return absl::OkStatus();
}

void ResourceStore::PublishVersion(const ResourceType& type,
                                   absl::string_view tenant, absl::string_view id,
                                   const Message& m, bool deleted) {
  if (etags_ == nullptr) return;
  etags_->Publish(tenant, type.endpoint, id, ParseVersion(GetMeta(m).version()),
                  deleted);
}

absl::Status ResourceStore::Create(const ResourceType& type,
                                   absl::string_view tenant, Message* resource,
                                   const RequestContext& context,
                                   const ValidationOptions& validation,
                                   const Projection* projection) {
  const ResourceTypeSchema& schema = SchemaOf(type);
  RETURN_IF_ERROR(outbox_->CheckCapacity());
  Message* const caller = resource;
  std::unique_ptr<Message> typed;
  ASSIGN_OR_RETURN(resource, TakeInput(type, caller, &typed, validation));
  ClearReadOnly(schema, resource);
  RETURN_IF_ERROR(ValidateResource(schema, *resource, validation));
  const std::vector<v1::ResourceReference> members = TakeMembers(type, resource);
  const std::string id = ids_->Next();
  SetString(resource, "id", id);
  SetSchemas(type, resource);
  const auto now = ToTimestamp(clock_->Now());
  v1::Meta* meta = MutableMeta(resource);
  meta->set_resource_type(type.name);
  *meta->mutable_created() = now;
  *meta->mutable_last_modified() = now;
  meta->set_version(FormatVersion(1));
  meta->set_location(ResourceLocation(tenant, type.endpoint, id));
  std::vector<std::string> changed = ChangedAttributes(nullptr, *resource);

  std::unique_ptr<Message> stored(resource->New());
  stored->CopyFrom(*resource);
  for (const WriteOnlyPath& path : WriteOnlyOf(type)) {
    if (!HasAt(*stored, path)) continue;
    SetAt(stored.get(), path, HashPassword(GetAt(*stored, path), *random_));
    ClearAt(resource, path);
  }
  std::vector<Member> added;
  events::EventLog::Batch batch(events_);
  RETURN_IF_ERROR(RunWrite(*kv_, *random_, context.deadline, [&](KvTransaction& txn) {
    RETURN_IF_ERROR(WriteKeys(KeysOf(type), schema, tenant, id, nullptr, stored.get(), txn));
    RETURN_IF_ERROR(txn.Put(kResourcesCf, ResourceKey(tenant, type.name, id),
                            stored->SerializeAsString()));
    added.clear();
    MemberChanges member_changes;
    std::vector<std::string> audited = changed;
    if (!members.empty()) {
      ASSIGN_OR_RETURN(added, membership_.Resolve(txn, tenant, id, members));
      RETURN_IF_ERROR(membership_.Add(txn, tenant, id, added, &member_changes));
      audited.push_back(type.members_attribute);
    }
    PublishVersion(type, tenant, id, *stored, false);
    RETURN_IF_ERROR(AdjustCounts(txn, tenant, type.name, id, +1));
    RETURN_IF_ERROR(AddEvent(type, tenant, id, "create", audited, context, txn));
    ResourceChange change{ResourceChange::Kind::kCreated, &type, std::string(tenant), id};
    change.after = stored.get();
    change.members = &member_changes;
    return StageEvents(txn, batch, change, context);
  }));
  batch.Done();
  outbox_->Committed();
  // A new resource is in no group, and its members are the ones just added:
  // nothing to read back.
  if (!added.empty()) {
    std::sort(added.begin(), added.end(),
              [](const Member& a, const Member& b) { return a.id < b.id; });
    const FieldDescriptor* f = Field(*resource, type.members_attribute);
    for (const Member& m : added) {
      static_cast<v1::ResourceReference*>(
          resource->GetReflection()->AddMessage(resource, f))
          ->CopyFrom(ToReference(tenant, m));
    }
  }
  if (projection != nullptr) projection->Apply(resource);
  Return(resource, caller);
  return absl::OkStatus();
}

absl::Status ResourceStore::Get(const ResourceType& type,
                                absl::string_view tenant, absl::string_view id,
                                Message* out, const Projection* projection) {
  ASSIGN_OR_RETURN(std::optional<std::string> bytes,
                   kv_->Get(kResourcesCf, ResourceKey(tenant, type.name, id)));
  Message* const caller = out;
  std::unique_ptr<Message> typed;
  out = OfStoreType(type, caller, &typed);
  RETURN_IF_ERROR(ParseStored(bytes, type, id, out));
  for (const WriteOnlyPath& path : WriteOnlyOf(type)) ClearAt(out, path);
  RETURN_IF_ERROR(ReadEdges(type, tenant, out, projection));
  if (projection != nullptr) projection->Apply(out);
  Return(out, caller);
  return absl::OkStatus();
}

absl::Status ResourceStore::Replace(const ResourceType& type,
                                    absl::string_view tenant,
                                    absl::string_view id,
                                    absl::string_view if_match,
                                    Message* resource,
                                    const RequestContext& context,
                                    const ValidationOptions& validation,
                                    const Projection* projection) {
  const ResourceTypeSchema& schema = SchemaOf(type);
  RETURN_IF_ERROR(outbox_->CheckCapacity());
  Message* const caller = resource;
  std::unique_ptr<Message> typed;
  ASSIGN_OR_RETURN(resource, TakeInput(type, caller, &typed, validation));
  std::string given_id = GetString(*resource, "id");
  if (!given_id.empty() && given_id != id) {
    return ScimError(absl::StatusCode::kInvalidArgument,
                     scim_type::kMutability,
                     absl::StrCat("id \"", given_id,
                                  "\" in the body does not match the URL"));
  }
  ClearReadOnly(schema, resource);
  RETURN_IF_ERROR(ValidateResource(schema, *resource, validation));
  const std::vector<v1::ResourceReference> members = TakeMembers(type, resource);
  // Each write-only value sent, hashed; nullopt: not sent.
  const std::vector<WriteOnlyPath>& write_only = WriteOnlyOf(type);
  std::vector<std::optional<std::string>> hashes;
  for (const WriteOnlyPath& path : write_only) {
    hashes.push_back(HasAt(*resource, path) ? std::make_optional(HashPassword(
                                                   GetAt(*resource, path), *random_))
                                             : std::nullopt);
  }
  std::unique_ptr<Message> old = NewResource(type);
  std::unique_ptr<Message> stored = NewResource(type);
  events::EventLog::Batch batch(events_);
  RETURN_IF_ERROR(RunWrite(*kv_, *random_, context.deadline, [&](KvTransaction& txn) {
    bool from_tombstone = false;
    RETURN_IF_ERROR(LoadUpdatable(txn, type, tenant, id, if_match, old.get(),
                                  &from_tombstone));
    RETURN_IF_ERROR(CheckImmutable(schema, *old, *resource));
    const v1::Meta& old_meta = GetMeta(*old);
    stored->CopyFrom(*resource);
    SetString(stored.get(), "id", std::string(id));
    SetSchemas(type, stored.get());
    v1::Meta* meta = MutableMeta(stored.get());
    *meta = old_meta;
    *meta->mutable_last_modified() = ToTimestamp(clock_->Now());
    meta->set_version(FormatVersion(ParseVersion(old_meta.version()) + 1));
    for (size_t i = 0; i < write_only.size(); ++i) {
      if (hashes[i].has_value()) {
        SetAt(stored.get(), write_only[i], *hashes[i]);
      } else if (HasAt(*old, write_only[i])) {
        // RFC 7644 §3.5.1: a password not sent is left unchanged.
        SetAt(stored.get(), write_only[i], GetAt(*old, write_only[i]));
      }
    }
    std::vector<std::string> changed = ChangedAttributes(old.get(), *stored);
    if (from_tombstone) RETURN_IF_ERROR(Revive(txn, type, tenant, id, *stored));
    // A tombstone holds no keys: its unique values were freed.
    RETURN_IF_ERROR(WriteKeys(KeysOf(type), schema, tenant, id, from_tombstone ? nullptr : old.get(),
                              stored.get(), txn));
    RETURN_IF_ERROR(txn.Put(kResourcesCf, ResourceKey(tenant, type.name, id),
                            stored->SerializeAsString()));
    MemberChanges member_changes;
    if (!type.members_attribute.empty()) {
      // Omitted attributes are cleared (RFC 7644 §3.5.1), members included.
      ASSIGN_OR_RETURN(std::vector<Member> resolved,
                       membership_.Resolve(txn, tenant, id, members));
      RETURN_IF_ERROR(membership_.Clear(txn, tenant, id, &member_changes));
      RETURN_IF_ERROR(membership_.Add(txn, tenant, id, resolved, &member_changes));
      changed.push_back(type.members_attribute);
    }
    PublishVersion(type, tenant, id, *stored, false);
    RETURN_IF_ERROR(AddEvent(type, tenant, id, from_tombstone ? "restore" : "replace",
                             changed, context, txn));
    return StageEvents(txn, batch,
                       UpdateOf(type, tenant, id, from_tombstone, *old, *stored,
                                std::move(changed), member_changes),
                       context);
  }));
  batch.Done();
  outbox_->Committed();
  resource->CopyFrom(*stored);
  for (const WriteOnlyPath& path : write_only) ClearAt(resource, path);
  RETURN_IF_ERROR(ReadEdges(type, tenant, resource, projection));
  if (projection != nullptr) projection->Apply(resource);
  Return(resource, caller);
  return absl::OkStatus();
}

absl::Status ResourceStore::Patch(const ResourceType& type,
                                  absl::string_view tenant, absl::string_view id,
                                  absl::string_view if_match,
                                  const std::vector<PatchOp>& operations,
                                  Message* out, const RequestContext& context,
                                  const ValidationOptions& validation,
                                  const Projection* projection) {
  const ResourceTypeSchema& schema = SchemaOf(type);
  RETURN_IF_ERROR(outbox_->CheckCapacity());
  std::unique_ptr<Message> old = NewResource(type);
  std::unique_ptr<Message> patched = NewResource(type);
  const std::vector<WriteOnlyPath>& write_only = WriteOnlyOf(type);
  bool unchanged = false;
  events::EventLog::Batch batch(events_);
  RETURN_IF_ERROR(RunWrite(*kv_, *random_, context.deadline, [&](KvTransaction& txn) {
    unchanged = false;
    bool from_tombstone = false;
    RETURN_IF_ERROR(LoadUpdatable(txn, type, tenant, id, if_match, old.get(),
                                  &from_tombstone));
    patched->CopyFrom(*old);
    MemberChanges member_changes;
    PatchOptions options;
    // The tenant's strict setting also refuses unknown no-path keys.
    options.reject_unknown_attributes = validation.enforce_canonical_values;
    if (!type.members_attribute.empty()) {
      options.external_attribute = type.members_attribute;
      options.external = [&](const ExternalPatch& patch) {
        return PatchMembers(txn, tenant, id, patch, context.deadline,
                            &member_changes);
      };
    }
    RETURN_IF_ERROR(ApplyPatch(schema, operations, patched.get(), options));
    RETURN_IF_ERROR(ValidateResource(schema, *patched, validation));
    for (const WriteOnlyPath& path : write_only) {
      if (HasAt(*patched, path) && GetAt(*patched, path) != GetAt(*old, path)) {
        SetAt(patched.get(), path, HashPassword(GetAt(*patched, path), *random_));
      }
    }
    SetSchemas(type, patched.get());
    // RFC 7644 §3.5.2.1: a PATCH that changes nothing (a value or member
    // already present) SHALL NOT change the modify timestamp, so neither
    // the version (the ETag) nor anything else is written. No audit event
    // either: the log records changes, and there is none; the request itself
    // is in the access log. The transaction commits no writes.
    if (!from_tombstone && !member_changes.any() &&
        google::protobuf::util::MessageDifferencer::Equals(*old, *patched)) {
      unchanged = true;
      return absl::OkStatus();
    }
    v1::Meta* meta = MutableMeta(patched.get());
    *meta->mutable_last_modified() = ToTimestamp(clock_->Now());
    meta->set_version(FormatVersion(ParseVersion(GetMeta(*old).version()) + 1));
    std::vector<std::string> changed = ChangedAttributes(old.get(), *patched);
    if (member_changes.any()) changed.push_back(type.members_attribute);
    if (from_tombstone) RETURN_IF_ERROR(Revive(txn, type, tenant, id, *patched));
    RETURN_IF_ERROR(WriteKeys(KeysOf(type), schema, tenant, id, from_tombstone ? nullptr : old.get(),
                              patched.get(), txn));
    RETURN_IF_ERROR(txn.Put(kResourcesCf, ResourceKey(tenant, type.name, id),
                            patched->SerializeAsString()));
    PublishVersion(type, tenant, id, *patched, false);
    RETURN_IF_ERROR(AddEvent(type, tenant, id, from_tombstone ? "restore" : "patch",
                             changed, context, txn));
    return StageEvents(txn, batch,
                       UpdateOf(type, tenant, id, from_tombstone, *old, *patched,
                                std::move(changed), member_changes),
                       context);
  }));
  batch.Done();
  if (!unchanged) outbox_->Committed();  // a no-op added no event
  for (const WriteOnlyPath& path : write_only) ClearAt(patched.get(), path);
  RETURN_IF_ERROR(ReadEdges(type, tenant, patched.get(), projection));
  if (projection != nullptr) projection->Apply(patched.get());
  Return(patched.get(), out);
  return absl::OkStatus();
}

absl::Status ResourceStore::Delete(const ResourceType& type,
                                   absl::string_view tenant,
                                   absl::string_view id,
                                   absl::string_view if_match,
                                   const RequestContext& context, bool soft) {
  RETURN_IF_ERROR(outbox_->CheckCapacity());
  soft = soft && type.tombstones;
  std::unique_ptr<Message> old = NewResource(type);
  events::EventLog::Batch batch(events_);
  RETURN_IF_ERROR(RunWrite(*kv_, *random_, context.deadline, [&](KvTransaction& txn) {
    RETURN_IF_ERROR(LoadForUpdate(txn, type, tenant, id, if_match, old.get()));
    RETURN_IF_ERROR(WriteKeys(KeysOf(type), SchemaOf(type), tenant, id, old.get(), nullptr, txn));
    RETURN_IF_ERROR(txn.Delete(kResourcesCf, ResourceKey(tenant, type.name, id)));
    RETURN_IF_ERROR(AdjustCounts(txn, tenant, type.name, id, -1));
    if (soft) RETURN_IF_ERROR(WriteTombstone(txn, type, tenant, id, old.get()));
    if (!type.members_attribute.empty()) {
      RETURN_IF_ERROR(membership_.Clear(txn, tenant, id));
    }
    ResourceChange change{ResourceChange::Kind::kDeleted, &type, std::string(tenant),
                          std::string(id)};
    RETURN_IF_ERROR(membership_.Detach(txn, tenant, id, &change.left_groups));
    PublishVersion(type, tenant, id, *old, true);
    RETURN_IF_ERROR(AddEvent(type, tenant, id, soft ? "soft_delete" : "delete", {},
                             context, txn));
    change.before = old.get();
    change.soft = soft;
    return StageEvents(txn, batch, change, context);
  }));
  batch.Done();
  outbox_->Committed();
  return absl::OkStatus();
}

}  // namespace scim::identity
