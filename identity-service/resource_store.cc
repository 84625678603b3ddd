#include "identity-service/resource_store.h"

#include <openssl/evp.h>

#include <algorithm>
#include <deque>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/proto_util.h"
#include "common/status.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/dynamic_message.h"
#include "google/protobuf/util/message_differencer.h"
#include "identity-service/keys.h"
#include "identity-service/query_planner.h"
#include "scim/json_codec.h"
#include "scim/projection.h"
#include "scim/sort_key.h"

namespace scim::identity {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

constexpr int kPbkdf2Iterations = 100000;

std::unique_ptr<Message> NewMessage(const ResourceType& type) {
  return std::unique_ptr<Message>(
      google::protobuf::MessageFactory::generated_factory()
          ->GetPrototype(type.descriptor)
          ->New());
}

const FieldDescriptor* Field(const Message& m, absl::string_view name) {
  return FindFieldByScimName(m.GetDescriptor(), name);
}

void SetString(Message* m, absl::string_view name, const std::string& value) {
  m->GetReflection()->SetString(m, Field(*m, name), value);
}

std::string GetString(const Message& m, absl::string_view name) {
  return m.GetReflection()->GetString(m, Field(m, name));
}

v1::Meta* MutableMeta(Message* m) {
  return static_cast<v1::Meta*>(
      m->GetReflection()->MutableMessage(m, Field(*m, "meta")));
}

const v1::Meta& GetMeta(const Message& m) {
  return static_cast<const v1::Meta&>(
      m.GetReflection()->GetMessage(m, Field(m, "meta")));
}

std::string Normalize(absl::string_view value, bool case_exact) {
  return case_exact ? std::string(value) : absl::AsciiStrToLower(value);
}

// Clears what only the server may set: readOnly attributes and
// sub-attributes by the schemas (RFC 7643 §7: "SHALL be ignored").
void ClearReadOnly(const std::vector<AttributeSchema>& attrs, Message* m) {
  const auto* r = m->GetReflection();
  for (const AttributeSchema& a : attrs) {
    const FieldDescriptor* f = Field(*m, a.name);
    if (f == nullptr) continue;
    if (a.mutability == Mutability::kReadOnly) {
      r->ClearField(m, f);
      continue;
    }
    if (a.sub_attributes.empty() || f->message_type() == nullptr) continue;
    if (f->is_repeated()) {
      for (int i = 0; i < r->FieldSize(*m, f); ++i) {
        ClearReadOnly(a.sub_attributes, r->MutableRepeatedMessage(m, f, i));
      }
    } else if (r->HasField(*m, f)) {
      ClearReadOnly(a.sub_attributes, r->MutableMessage(m, f));
    }
  }
}

void ClearReadOnly(const ResourceType& type, Message* m) {
  const SchemaRegistry& registry = SchemaRegistry::Default();
  ClearReadOnly(registry.common_attributes(), m);
  if (const Schema* core = registry.FindSchema(type.schema->schema)) {
    ClearReadOnly(core->attributes, m);
  }
  for (const SchemaExtension& ext : type.schema->extensions) {
    const Schema* s = registry.FindSchema(ext.schema);
    const FieldDescriptor* c = Field(*m, ext.schema);
    if (s != nullptr && c != nullptr && m->GetReflection()->HasField(*m, c)) {
      ClearReadOnly(s->attributes, m->GetReflection()->MutableMessage(m, c));
    }
  }
}

// schemas = core schema + the URN of every extension that has a value.
void SetSchemas(const ResourceType& type, Message* m) {
  const auto* r = m->GetReflection();
  const FieldDescriptor* schemas = Field(*m, "schemas");
  r->ClearField(m, schemas);
  r->AddString(m, schemas, type.core_schema);
  const auto* d = m->GetDescriptor();
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* f = d->field(i);
    if (absl::StartsWith(f->json_name(), "urn:") && !f->is_repeated() &&
        r->HasField(*m, f)) {
      r->AddString(m, schemas, f->json_name());
    }
  }
}

// Top-level attributes whose values differ (names only: never values).
std::vector<std::string> ChangedAttributes(const Message* before,
                                           const Message& after) {
  std::vector<std::string> changed;
  const auto* d = after.GetDescriptor();
  std::unique_ptr<Message> empty(after.New());
  if (before == nullptr) before = empty.get();
  google::protobuf::util::MessageDifferencer differencer;
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* f = d->field(i);
    const std::string& name = f->json_name();
    if (name == "meta" || name == "schemas" || name == "id") continue;
    if (!differencer.CompareWithFields(*before, after, {f}, {f})) {
      changed.push_back(name);
    }
  }
  return changed;
}

bool IfMatchAccepts(absl::string_view if_match, absl::string_view current) {
  if (if_match.empty()) return true;
  int64_t version = ParseVersion(current);
  for (absl::string_view tag : absl::StrSplit(if_match, ',')) {
    tag = absl::StripAsciiWhitespace(tag);
    if (tag == "*") return true;
    if (ParseVersion(tag) == version && version > 0) return true;
  }
  return false;
}

absl::Status PreconditionFailed(absl::string_view current) {
  return ScimError(absl::StatusCode::kFailedPrecondition, "",
                   absl::StrCat("If-Match does not match the current version ",
                                current));
}

// `bytes` as read for `id`: absent = 404.
absl::Status ParseStored(const std::optional<std::string>& bytes,
                         const ResourceType& type, absl::string_view id,
                         Message* out) {
  if (!bytes.has_value()) {
    return NotFound(absl::StrCat(type.name, " ", id, " not found"));
  }
  if (!out->ParseFromString(*bytes)) {
    return absl::DataLossError(absl::StrCat("corrupt ", type.name, " ", id));
  }
  return absl::OkStatus();
}

// The start of every update and delete: reads and locks the stored resource
// and checks If-Match against it, inside the write's transaction.
absl::Status LoadForUpdate(KvTransaction& txn, const ResourceType& type,
                           absl::string_view tenant, absl::string_view id,
                           absl::string_view if_match, Message* out) {
  ASSIGN_OR_RETURN(std::optional<std::string> bytes,
                   txn.GetForUpdate(kResourcesCf,
                                    ResourceKey(tenant, type.name, id)));
  RETURN_IF_ERROR(ParseStored(bytes, type, id, out));
  const std::string& version = GetMeta(*out).version();
  if (!IfMatchAccepts(if_match, version)) return PreconditionFailed(version);
  return absl::OkStatus();
}

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

// Whether a filter reads an attribute by that (top-level) name.
bool References(const BoundFilter& node, absl::string_view attribute) {
  if (!attribute.empty() && node.attribute.attribute != nullptr &&
      node.attribute.fields.size() >= 1 &&
      absl::EqualsIgnoreCase(node.attribute.fields[0]->json_name(), attribute)) {
    return true;
  }
  for (const BoundFilter& child : node.children) {
    if (References(child, attribute)) return true;
  }
  return false;
}

}  // namespace

const ResourceType& UserResourceType() {
  static const ResourceType* type = [] {
    auto* t = new ResourceType;
    t->name = "User";
    t->endpoint = "Users";
    t->core_schema = "urn:ietf:params:scim:schemas:core:2.0:User";
    t->descriptor = v1::User::descriptor();
    t->schema = SchemaRegistry::Default().FindResourceType("User");
    t->unique = {"userName"};
    t->indexed = {{"externalId", true},
                  {"emails.value", false},
                  {"displayName", false}};
    t->groups_attribute = "groups";
    t->tombstones = true;
    return t;
  }();
  return *type;
}

const ResourceType& GroupResourceType() {
  static const ResourceType* type = [] {
    auto* t = new ResourceType;
    t->name = "Group";
    t->endpoint = "Groups";
    t->core_schema = "urn:ietf:params:scim:schemas:core:2.0:Group";
    t->descriptor = v1::Group::descriptor();
    t->schema = SchemaRegistry::Default().FindResourceType("Group");
    t->unique = {"displayName"};
    t->indexed = {{"externalId", true}};
    t->members_attribute = "members";
    return t;
  }();
  return *type;
}

std::string HashPassword(absl::string_view password, RandomSource& random) {
  std::string salt = random.Bytes(16);
  unsigned char hash[32];
  PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()),
                    reinterpret_cast<const unsigned char*>(salt.data()),
                    static_cast<int>(salt.size()), kPbkdf2Iterations,
                    EVP_sha256(), sizeof(hash), hash);
  return absl::StrCat("$pbkdf2-sha256$", kPbkdf2Iterations, "$",
                      absl::Base64Escape(salt), "$",
                      absl::Base64Escape(absl::string_view(
                          reinterpret_cast<char*>(hash), sizeof(hash))));
}

bool VerifyPassword(absl::string_view password, absl::string_view stored) {
  std::vector<std::string> parts = absl::StrSplit(stored, '$');
  int iterations = 0;
  std::string salt, expected;
  if (parts.size() != 5 || parts[1] != "pbkdf2-sha256" ||
      !absl::SimpleAtoi(parts[2], &iterations) ||
      !absl::Base64Unescape(parts[3], &salt) ||
      !absl::Base64Unescape(parts[4], &expected) || expected.size() != 32) {
    return false;
  }
  unsigned char hash[32];
  PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()),
                    reinterpret_cast<const unsigned char*>(salt.data()),
                    static_cast<int>(salt.size()), iterations, EVP_sha256(),
                    sizeof(hash), hash);
  return ConstantTimeEquals(
      expected, absl::string_view(reinterpret_cast<char*>(hash), 32));
}

ResourceStore::ResourceStore(KvStore* kv, audit::Outbox* outbox, Clock* clock,
                             RandomSource* random, std::string cursor_key)
    : kv_(kv),
      outbox_(outbox),
      clock_(clock),
      random_(random),
      cursors_(cursor_key.empty() ? random->Bytes(32) : std::move(cursor_key),
               clock),
      membership_(kv) {}

absl::Status ResourceStore::WriteKeys(const ResourceType& type,
                                      absl::string_view tenant,
                                      absl::string_view id,
                                      const Message* old_resource,
                                      const Message* new_resource,
                                      KvTransaction& txn) {
  // Unique keys: check the new value under its lock, then move the key.
  for (const auto& path : type.unique) {
    std::vector<std::string> old_values, new_values;
    if (old_resource != nullptr) {
      ASSIGN_OR_RETURN(old_values, StringValuesAt(*type.schema, *old_resource, path));
    }
    if (new_resource != nullptr) {
      ASSIGN_OR_RETURN(new_values, StringValuesAt(*type.schema, *new_resource, path));
    }
    for (const auto& value : new_values) {
      std::string key = ValueKey(tenant, type.name, path, Normalize(value, false));
      ASSIGN_OR_RETURN(std::optional<std::string> owner,
                       txn.GetForUpdate(kUniqueCf, key));
      if (owner.has_value() && *owner != id) {
        return Uniqueness(absl::StrCat(path, " \"", value,
                                       "\" is already in use"));
      }
      RETURN_IF_ERROR(txn.Put(kUniqueCf, key, id));
    }
    for (const auto& value : old_values) {
      std::string normalized = Normalize(value, false);
      bool kept = std::any_of(new_values.begin(), new_values.end(),
                              [&](auto& v) { return Normalize(v, false) == normalized; });
      if (!kept) {
        RETURN_IF_ERROR(txn.Delete(
            kUniqueCf, ValueKey(tenant, type.name, path, normalized)));
      }
    }
  }
  for (const auto& attr : type.indexed) {
    if (old_resource != nullptr) {
      ASSIGN_OR_RETURN(std::vector<std::string> values,
                       StringValuesAt(*type.schema, *old_resource, attr.path));
      for (const auto& v : values) {
        RETURN_IF_ERROR(txn.Delete(
            kIndexCf, IndexKey(tenant, type.name, attr.path,
                               Normalize(v, attr.case_exact), id)));
      }
    }
    if (new_resource != nullptr) {
      ASSIGN_OR_RETURN(std::vector<std::string> values,
                       StringValuesAt(*type.schema, *new_resource, attr.path));
      for (const auto& v : values) {
        RETURN_IF_ERROR(txn.Put(kIndexCf,
                                IndexKey(tenant, type.name, attr.path,
                                         Normalize(v, attr.case_exact), id),
                                ""));
      }
    }
  }
  return absl::OkStatus();
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

absl::Status ResourceStore::Create(const ResourceType& type,
                                   absl::string_view tenant, Message* resource,
                                   const RequestContext& context,
                                   const ValidationOptions& validation) {
  RETURN_IF_ERROR(outbox_->CheckCapacity());
  ClearReadOnly(type, resource);
  RETURN_IF_ERROR(ValidateResource(*type.schema, *resource, validation));
  const std::vector<v1::ResourceReference> members = TakeMembers(type, resource);
  const std::string id = NewUuidV7(*clock_, *random_);
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
  if (const FieldDescriptor* pw = Field(*stored, "password");
      pw != nullptr && stored->GetReflection()->HasField(*stored, pw)) {
    stored->GetReflection()->SetString(
        stored.get(), pw, HashPassword(GetString(*stored, "password"), *random_));
    resource->GetReflection()->ClearField(resource, pw);
  }
  std::vector<Member> added;
  RETURN_IF_ERROR(RunInTransaction(*kv_, [&](KvTransaction& txn) {
    RETURN_IF_ERROR(WriteKeys(type, tenant, id, nullptr, stored.get(), txn));
    RETURN_IF_ERROR(txn.Put(kResourcesCf, ResourceKey(tenant, type.name, id),
                            stored->SerializeAsString()));
    added.clear();
    if (!members.empty()) {
      ASSIGN_OR_RETURN(added, membership_.Resolve(txn, tenant, id, members));
      RETURN_IF_ERROR(membership_.Add(txn, tenant, id, added));
      changed.push_back(type.members_attribute);
    }
    PublishVersion(type, tenant, id, *stored, false);
    return AddEvent(type, tenant, id, "create", changed, context, txn);
  }));
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
  return absl::OkStatus();
}

absl::Status ResourceStore::Get(const ResourceType& type,
                                absl::string_view tenant, absl::string_view id,
                                Message* out, const Projection* projection) {
  ASSIGN_OR_RETURN(std::optional<std::string> bytes,
                   kv_->Get(kResourcesCf, ResourceKey(tenant, type.name, id)));
  RETURN_IF_ERROR(ParseStored(bytes, type, id, out));
  if (const FieldDescriptor* pw = Field(*out, "password")) {
    out->GetReflection()->ClearField(out, pw);
  }
  RETURN_IF_ERROR(ReadEdges(type, tenant, out, projection));
  if (projection != nullptr) projection->Apply(out);
  return absl::OkStatus();
}

absl::Status ResourceStore::ReadEdges(const ResourceType& type,
                                      absl::string_view tenant, Message* m,
                                      const Projection* projection) {
  const std::string id = GetString(*m, "id");
  const auto* r = m->GetReflection();
  for (const std::string* name : {&type.members_attribute, &type.groups_attribute}) {
    if (name->empty()) continue;
    const FieldDescriptor* f = Field(*m, *name);
    r->ClearField(m, f);
    if (projection != nullptr && !projection->Returns(f)) continue;
    ASSIGN_OR_RETURN(std::vector<v1::ResourceReference> refs,
                     name == &type.members_attribute
                         ? membership_.Members(tenant, id)
                         : membership_.GroupsOf(tenant, id));
    for (auto& ref : refs) {
      static_cast<v1::ResourceReference*>(r->AddMessage(m, f))->Swap(&ref);
    }
  }
  return absl::OkStatus();
}

absl::Status ResourceStore::Replace(const ResourceType& type,
                                    absl::string_view tenant,
                                    absl::string_view id,
                                    absl::string_view if_match,
                                    Message* resource,
                                    const RequestContext& context,
                                    const ValidationOptions& validation) {
  RETURN_IF_ERROR(outbox_->CheckCapacity());
  std::string given_id = GetString(*resource, "id");
  if (!given_id.empty() && given_id != id) {
    return ScimError(absl::StatusCode::kInvalidArgument,
                     scim_type::kMutability,
                     absl::StrCat("id \"", given_id,
                                  "\" in the body does not match the URL"));
  }
  ClearReadOnly(type, resource);
  RETURN_IF_ERROR(ValidateResource(*type.schema, *resource, validation));
  const std::vector<v1::ResourceReference> members = TakeMembers(type, resource);
  const FieldDescriptor* pw = Field(*resource, "password");
  const bool new_password =
      pw != nullptr && resource->GetReflection()->HasField(*resource, pw);
  std::string password_hash;
  if (new_password) {
    password_hash = HashPassword(GetString(*resource, "password"), *random_);
  }
  std::unique_ptr<Message> old = NewMessage(type);
  std::unique_ptr<Message> stored = NewMessage(type);
  RETURN_IF_ERROR(RunInTransaction(*kv_, [&](KvTransaction& txn) {
    bool from_tombstone = false;
    RETURN_IF_ERROR(LoadUpdatable(txn, type, tenant, id, if_match, old.get(),
                                  &from_tombstone));
    RETURN_IF_ERROR(CheckImmutable(*type.schema, *old, *resource));
    const v1::Meta& old_meta = GetMeta(*old);
    stored->CopyFrom(*resource);
    SetString(stored.get(), "id", std::string(id));
    SetSchemas(type, stored.get());
    v1::Meta* meta = MutableMeta(stored.get());
    *meta = old_meta;
    *meta->mutable_last_modified() = ToTimestamp(clock_->Now());
    meta->set_version(FormatVersion(ParseVersion(old_meta.version()) + 1));
    if (pw != nullptr) {
      if (new_password) {
        stored->GetReflection()->SetString(stored.get(), pw, password_hash);
      } else if (old->GetReflection()->HasField(*old, pw)) {
        // RFC 7644 §3.5.1: a password not sent is left unchanged.
        stored->GetReflection()->SetString(stored.get(), pw,
                                           GetString(*old, "password"));
      }
    }
    std::vector<std::string> changed = ChangedAttributes(old.get(), *stored);
    if (from_tombstone) RETURN_IF_ERROR(Revive(txn, type, tenant, id, *stored));
    // A tombstone holds no keys: its unique values were freed.
    RETURN_IF_ERROR(WriteKeys(type, tenant, id, from_tombstone ? nullptr : old.get(),
                              stored.get(), txn));
    RETURN_IF_ERROR(txn.Put(kResourcesCf, ResourceKey(tenant, type.name, id),
                            stored->SerializeAsString()));
    if (!type.members_attribute.empty()) {
      // Omitted attributes are cleared (RFC 7644 §3.5.1), members included.
      ASSIGN_OR_RETURN(std::vector<Member> resolved,
                       membership_.Resolve(txn, tenant, id, members));
      RETURN_IF_ERROR(membership_.Clear(txn, tenant, id));
      RETURN_IF_ERROR(membership_.Add(txn, tenant, id, resolved));
      changed.push_back(type.members_attribute);
    }
    PublishVersion(type, tenant, id, *stored, false);
    return AddEvent(type, tenant, id, from_tombstone ? "restore" : "replace",
                    std::move(changed), context, txn);
  }));
  outbox_->Committed();
  resource->CopyFrom(*stored);
  if (pw != nullptr) resource->GetReflection()->ClearField(resource, pw);
  return ReadEdges(type, tenant, resource, nullptr);
}

absl::Status ResourceStore::PatchMembers(KvTransaction& txn,
                                         absl::string_view tenant,
                                         absl::string_view group,
                                         const ExternalPatch& patch) {
  std::vector<v1::ResourceReference> given;
  for (const Json& value : patch.values) {
    v1::ResourceReference ref;
    RETURN_IF_ERROR(DecodeResource(value, &ref));
    given.push_back(std::move(ref));
  }
  // The members a filter selects: by id when it only compares `value`,
  // else by testing every member.
  std::vector<std::string> selected;
  if (patch.filter_values.has_value()) {
    selected = *patch.filter_values;
  } else if (patch.filter != nullptr) {
    ASSIGN_OR_RETURN(std::vector<v1::ResourceReference> all,
                     membership_.Members(tenant, group));
    for (const auto& m : all) {
      if (MatchesElement(*patch.filter, m)) selected.push_back(m.value());
    }
  }
  if (patch.kind == PatchKind::kRemove) {
    if (patch.filter != nullptr) {
      return membership_.Remove(txn, tenant, group, selected);
    }
    if (given.empty()) return membership_.Clear(txn, tenant, group);
    // A value list removes only those members, never the whole list.
    std::vector<std::string> ids;
    for (const auto& ref : given) ids.push_back(ref.value());
    return membership_.Remove(txn, tenant, group, ids);
  }
  if (patch.kind == PatchKind::kReplace) {
    RETURN_IF_ERROR(patch.filter != nullptr
                        ? membership_.Remove(txn, tenant, group, selected)
                        : membership_.Clear(txn, tenant, group));
  }
  ASSIGN_OR_RETURN(std::vector<Member> resolved,
                   membership_.Resolve(txn, tenant, group, given));
  return membership_.Add(txn, tenant, group, resolved);
}

absl::Status ResourceStore::Patch(const ResourceType& type,
                                  absl::string_view tenant, absl::string_view id,
                                  absl::string_view if_match,
                                  const std::vector<PatchOp>& operations,
                                  Message* out, const RequestContext& context,
                                  const ValidationOptions& validation,
                                  const Projection* projection) {
  RETURN_IF_ERROR(outbox_->CheckCapacity());
  std::unique_ptr<Message> old = NewMessage(type);
  std::unique_ptr<Message> patched = NewMessage(type);
  const FieldDescriptor* pw = Field(*patched, "password");
  RETURN_IF_ERROR(RunInTransaction(*kv_, [&](KvTransaction& txn) {
    bool from_tombstone = false;
    RETURN_IF_ERROR(LoadUpdatable(txn, type, tenant, id, if_match, old.get(),
                                  &from_tombstone));
    patched->CopyFrom(*old);
    bool members_changed = false;
    PatchOptions options;
    // The tenant's strict setting also refuses unknown no-path keys.
    options.reject_unknown_attributes = validation.enforce_canonical_values;
    if (!type.members_attribute.empty()) {
      options.external_attribute = type.members_attribute;
      options.external = [&](const ExternalPatch& patch) {
        members_changed = true;
        return PatchMembers(txn, tenant, id, patch);
      };
    }
    RETURN_IF_ERROR(ApplyPatch(*type.schema, operations, patched.get(), options));
    RETURN_IF_ERROR(ValidateResource(*type.schema, *patched, validation));
    if (pw != nullptr && patched->GetReflection()->HasField(*patched, pw) &&
        GetString(*patched, "password") != GetString(*old, "password")) {
      SetString(patched.get(), "password",
                HashPassword(GetString(*patched, "password"), *random_));
    }
    SetSchemas(type, patched.get());
    v1::Meta* meta = MutableMeta(patched.get());
    *meta->mutable_last_modified() = ToTimestamp(clock_->Now());
    meta->set_version(FormatVersion(ParseVersion(GetMeta(*old).version()) + 1));
    std::vector<std::string> changed = ChangedAttributes(old.get(), *patched);
    if (members_changed) changed.push_back(type.members_attribute);
    if (from_tombstone) RETURN_IF_ERROR(Revive(txn, type, tenant, id, *patched));
    RETURN_IF_ERROR(WriteKeys(type, tenant, id, from_tombstone ? nullptr : old.get(),
                              patched.get(), txn));
    RETURN_IF_ERROR(txn.Put(kResourcesCf, ResourceKey(tenant, type.name, id),
                            patched->SerializeAsString()));
    PublishVersion(type, tenant, id, *patched, false);
    return AddEvent(type, tenant, id, from_tombstone ? "restore" : "patch",
                    std::move(changed), context, txn);
  }));
  outbox_->Committed();
  out->CopyFrom(*patched);
  if (pw != nullptr) out->GetReflection()->ClearField(out, pw);
  RETURN_IF_ERROR(ReadEdges(type, tenant, out, projection));
  if (projection != nullptr) projection->Apply(out);
  return absl::OkStatus();
}

absl::Status ResourceStore::Delete(const ResourceType& type,
                                   absl::string_view tenant,
                                   absl::string_view id,
                                   absl::string_view if_match,
                                   const RequestContext& context, bool soft) {
  RETURN_IF_ERROR(outbox_->CheckCapacity());
  soft = soft && type.tombstones;
  std::unique_ptr<Message> old = NewMessage(type);
  RETURN_IF_ERROR(RunInTransaction(*kv_, [&](KvTransaction& txn) {
    RETURN_IF_ERROR(LoadForUpdate(txn, type, tenant, id, if_match, old.get()));
    RETURN_IF_ERROR(WriteKeys(type, tenant, id, old.get(), nullptr, txn));
    RETURN_IF_ERROR(txn.Delete(kResourcesCf, ResourceKey(tenant, type.name, id)));
    if (soft) {
      // The groups it was directly in stay readable, as its ownership did.
      ASSIGN_OR_RETURN(std::vector<v1::ResourceReference> groups,
                       membership_.GroupsOf(tenant, id));
      const FieldDescriptor* f = Field(*old, type.groups_attribute);
      for (auto& g : groups) {
        if (g.type() != "direct") continue;
        static_cast<v1::ResourceReference*>(
            old->GetReflection()->AddMessage(old.get(), f))->Swap(&g);
      }
      old->GetReflection()->SetBool(old.get(), Field(*old, "active"), false);
      const absl::Time now = clock_->Now();
      v1::Meta* meta = MutableMeta(old.get());
      *meta->mutable_last_modified() = ToTimestamp(now);
      meta->set_version(FormatVersion(ParseVersion(meta->version()) + 1));
      v1::Tombstone tombstone;
      tombstone.set_resource(old->SerializeAsString());
      *tombstone.mutable_deleted() = ToTimestamp(now);
      *tombstone.mutable_purge_after() = ToTimestamp(now + tombstone_retention_);
      RETURN_IF_ERROR(txn.Put(kTombstonesCf, ResourceKey(tenant, type.name, id),
                              tombstone.SerializeAsString()));
    }
    if (!type.members_attribute.empty()) {
      RETURN_IF_ERROR(membership_.Clear(txn, tenant, id));
    }
    RETURN_IF_ERROR(membership_.Detach(txn, tenant, id));
    PublishVersion(type, tenant, id, *old, true);
    return AddEvent(type, tenant, id, soft ? "soft_delete" : "delete", {},
                    context, txn);
  }));
  outbox_->Committed();
  return absl::OkStatus();
}

namespace {

absl::Status ParseTombstone(absl::string_view bytes, absl::string_view key,
                            v1::Tombstone* out) {
  if (!out->ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return absl::DataLossError(absl::StrCat("corrupt tombstone ", key));
  }
  return absl::OkStatus();
}

}  // namespace

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

void ResourceStore::PublishVersion(const ResourceType& type,
                                   absl::string_view tenant, absl::string_view id,
                                   const Message& m, bool deleted) {
  if (etags_ == nullptr) return;
  etags_->Publish(tenant, type.endpoint, id, ParseVersion(GetMeta(m).version()),
                  deleted);
}

absl::Status ResourceStore::Revive(KvTransaction& txn, const ResourceType& type,
                                   absl::string_view tenant, absl::string_view id,
                                   const Message& revived) {
  const FieldDescriptor* active = Field(revived, "active");
  if (active == nullptr || !revived.GetReflection()->GetBool(revived, active)) {
    // Anything but a reactivation sees the resource as deleted.
    return NotFound(absl::StrCat(type.name, " ", id, " not found"));
  }
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
    RETURN_IF_ERROR(RunInTransaction(*kv_, [&](KvTransaction& txn) {
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
      return AddEvent(type, parts[0], parts[2], "purge", {},
                      RequestContext{"system:retention", "", ""}, txn);
    }));
    if (removed) {
      outbox_->Committed();
      ++purged;
    }
  }
  return purged;
}

absl::StatusOr<int64_t> ResourceStore::DeleteTenant(
    absl::string_view tenant, const RequestContext& context) {
  RETURN_IF_ERROR(outbox_->CheckCapacity());
  constexpr size_t kChunk = 5000;
  const std::string prefix = absl::StrCat(tenant, "/");
  int64_t deleted = 0;
  for (const char* cf : {kResourcesCf, kUniqueCf, kIndexCf, kMembersCf,
                         kMembersReverseCf, kTombstonesCf}) {
    for (;;) {
      std::vector<std::string> keys;
      RETURN_IF_ERROR(kv_->Scan(cf, prefix, "",
                                [&](absl::string_view key, absl::string_view) {
                                  keys.emplace_back(key);
                                  return keys.size() < kChunk;
                                }));
      if (keys.empty()) break;
      RETURN_IF_ERROR(RunInTransaction(*kv_, [&](KvTransaction& txn) {
        for (const auto& key : keys) RETURN_IF_ERROR(txn.Delete(cf, key));
        return absl::OkStatus();
      }));
      deleted += static_cast<int64_t>(keys.size());
    }
  }
  RETURN_IF_ERROR(RunInTransaction(*kv_, [&](KvTransaction& txn) {
    return outbox_->Add(txn, audit::NewEvent(*clock_, *random_, tenant,
                                             "tenant.purge", "Tenant", tenant,
                                             context));
  }));
  outbox_->Committed();
  return deleted;
}

struct ResourceStore::Page {
  // What is asked.
  bool cursor_mode = false;
  int32_t start = 1;
  int32_t count = kDefaultCount;
  bool descending = false;
  std::optional<Cursor> cursor;
  // What is found.
  int64_t total = 0;
  std::vector<std::pair<SortPosition, std::unique_ptr<Message>>> items;
  bool has_previous = false;
  bool has_next = false;
};

namespace {

absl::StatusOr<std::unique_ptr<Message>> ParseListed(const ResourceType& type,
                                                     absl::string_view bytes) {
  std::unique_ptr<Message> m = NewMessage(type);
  if (!m->ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return absl::DataLossError(absl::StrCat("corrupt ", type.name));
  }
  return m;
}

}  // namespace

absl::Status ResourceStore::PageOfAll(const ResourceType& type,
                                      absl::string_view tenant, Page* page) {
  const std::string prefix = ResourcePrefix(tenant, type.name);
  const bool backward = page->cursor.has_value() && !page->cursor->forward;
  const std::string boundary = page->cursor ? page->cursor->at.id : "";
  std::deque<std::pair<std::string, std::string>> window;  // backward only
  absl::Status status;
  int64_t position = 0;
  RETURN_IF_ERROR(kv_->Scan(
      kResourcesCf, prefix, "", [&](absl::string_view key, absl::string_view value) {
        ++position;
        std::string id(key.substr(prefix.size()));
        bool take = false;
        if (!page->cursor_mode) {
          take = position >= page->start;
        } else if (backward) {
          if (id < boundary) {
            window.emplace_back(std::move(id), std::string(value));
            if (window.size() > static_cast<size_t>(page->count)) {
              window.pop_front();
              page->has_previous = true;
            }
          } else {
            page->has_next = true;
          }
          return true;
        } else if (page->cursor.has_value() && id <= boundary) {
          page->has_previous = true;
        } else {
          take = true;
        }
        if (!take) return true;
        if (page->items.size() >= static_cast<size_t>(page->count)) {
          page->has_next = true;
          return true;
        }
        auto m = ParseListed(type, value);
        if (!m.ok()) {
          status = m.status();
          return false;
        }
        page->items.emplace_back(SortPosition{false, "", std::move(id)}, std::move(*m));
        return true;
      }));
  RETURN_IF_ERROR(status);
  for (auto& [id, bytes] : window) {
    ASSIGN_OR_RETURN(std::unique_ptr<Message> m, ParseListed(type, bytes));
    page->items.emplace_back(SortPosition{false, "", std::move(id)}, std::move(m));
  }
  page->total = position;
  return absl::OkStatus();
}

absl::Status ResourceStore::PageOfMatches(const ResourceType& type,
                                          absl::string_view tenant,
                                          const CompiledFilter* filter,
                                          const ResolvedAttribute* sort_by,
                                          Page* page) {
  std::vector<std::pair<SortPosition, std::unique_ptr<Message>>> matches;
  const bool needs_edges =
      filter != nullptr && (References(filter->root(), type.members_attribute) ||
                            References(filter->root(), type.groups_attribute));
  auto consider = [&](std::string id, absl::string_view bytes) -> absl::Status {
    ASSIGN_OR_RETURN(std::unique_ptr<Message> m, ParseListed(type, bytes));
    if (needs_edges) RETURN_IF_ERROR(ReadEdges(type, tenant, m.get(), nullptr));
    if (filter != nullptr && !filter->Matches(*m)) return absl::OkStatus();
    SortPosition position{false, "", std::move(id)};
    if (sort_by != nullptr) {
      std::optional<std::string> key = SortKey(*m, *sort_by);
      position.missing = !key.has_value();
      if (key.has_value()) position.key = std::move(*key);
    }
    matches.emplace_back(std::move(position), std::move(m));
    return absl::OkStatus();
  };
  std::optional<std::vector<std::string>> candidates;
  if (filter != nullptr) {
    ASSIGN_OR_RETURN(candidates, PlanCandidates(*kv_, type, tenant, filter->root()));
  }
  if (candidates.has_value()) {
    for (std::string& id : *candidates) {
      ASSIGN_OR_RETURN(std::optional<std::string> bytes,
                       kv_->Get(kResourcesCf, ResourceKey(tenant, type.name, id)));
      if (bytes.has_value()) RETURN_IF_ERROR(consider(std::move(id), *bytes));
    }
  } else {
    // Ids are UUIDv7, so key order is creation order.
    const std::string prefix = ResourcePrefix(tenant, type.name);
    absl::Status status;
    RETURN_IF_ERROR(kv_->Scan(kResourcesCf, prefix, "",
                              [&](absl::string_view key, absl::string_view value) {
                                status = consider(std::string(key.substr(prefix.size())),
                                                  value);
                                return status.ok();
                              }));
    RETURN_IF_ERROR(status);
  }
  const bool descending = page->descending;
  auto less = [descending](const auto& a, const auto& b) {
    return PositionLess(a.first, b.first, descending);
  };
  if (sort_by != nullptr) std::sort(matches.begin(), matches.end(), less);

  const size_t n = matches.size();
  size_t begin = 0, end = 0;
  if (!page->cursor_mode) {
    begin = std::min(n, static_cast<size_t>(page->start - 1));
    end = std::min(n, begin + page->count);
  } else if (!page->cursor.has_value() || page->cursor->forward) {
    if (page->cursor.has_value()) {
      const SortPosition& at = page->cursor->at;
      begin = std::partition_point(matches.begin(), matches.end(),
                                   [&](const auto& m) {
                                     return !PositionLess(at, m.first, descending);
                                   }) - matches.begin();
    }
    end = std::min(n, begin + page->count);
  } else {
    const SortPosition& at = page->cursor->at;
    end = std::partition_point(matches.begin(), matches.end(),
                               [&](const auto& m) {
                                 return PositionLess(m.first, at, descending);
                               }) - matches.begin();
    begin = end > static_cast<size_t>(page->count) ? end - page->count : 0;
  }
  page->total = static_cast<int64_t>(n);
  page->has_previous = begin > 0;
  page->has_next = end < n;
  for (size_t i = begin; i < end; ++i) page->items.push_back(std::move(matches[i]));
  return absl::OkStatus();
}

absl::Status ResourceStore::List(const ResourceType& type,
                                 absl::string_view tenant,
                                 const v1::ListRequest& request,
                                 ListResult* result) {
  const ResourceTypeSchema& schema = *type.schema;
  std::optional<CompiledFilter> filter;
  if (!absl::StripAsciiWhitespace(request.filter()).empty()) {
    ASSIGN_OR_RETURN(CompiledFilter compiled,
                     CompiledFilter::Compile(schema, request.filter()));
    filter = std::move(compiled);
  }
  std::optional<ResolvedAttribute> sort_by;
  if (!request.sort_by().empty()) {
    ASSIGN_OR_RETURN(ResolvedAttribute resolved,
                     ResolveSortBy(schema, request.sort_by()));
    sort_by = std::move(resolved);
  }
  Page page;
  if (absl::EqualsIgnoreCase(request.sort_order(), "descending")) {
    page.descending = true;
  } else if (!request.sort_order().empty() &&
             !absl::EqualsIgnoreCase(request.sort_order(), "ascending")) {
    return InvalidValue(absl::StrCat("sortOrder must be \"ascending\" or "
                                     "\"descending\", got \"",
                                     request.sort_order(), "\""));
  }
  page.cursor_mode = request.has_cursor();
  page.start = std::max(1, request.start_index());
  page.count = request.has_count() ? request.count() : kDefaultCount;
  if (page.cursor_mode) {
    if (request.start_index() > 1) {
      return InvalidValue("use either startIndex or cursor pagination, not both");
    }
    if (page.count < 1) {
      return ScimError(absl::StatusCode::kInvalidArgument, scim_type::kInvalidCount,
                       absl::StrCat("count must be between 1 and ", kMaxCount,
                                    " with cursor pagination, got ", page.count));
    }
  }
  page.count = std::clamp(page.count, 0, kMaxCount);
  // A cursor is valid only for the query it came from.
  const std::string query = absl::StrCat(
      type.name, "\n", filter ? filter->canonical() : "", "\n",
      sort_by ? sort_by->canonical : "", "\n", page.descending ? "d" : "a");
  if (page.cursor_mode && !request.cursor().empty()) {
    ASSIGN_OR_RETURN(Cursor cursor,
                     cursors_.Decode(tenant, query, request.cursor()));
    page.cursor = std::move(cursor);
  }
  if (!filter && !sort_by) {
    RETURN_IF_ERROR(PageOfAll(type, tenant, &page));
  } else {
    RETURN_IF_ERROR(PageOfMatches(type, tenant, filter ? &*filter : nullptr,
                                  sort_by ? &*sort_by : nullptr, &page));
  }
  result->total_results = page.total;
  result->start_index = page.cursor_mode ? 1 : page.start;
  result->resources.clear();
  result->next_cursor.clear();
  result->previous_cursor.clear();
  if (page.cursor_mode) {
    if (page.has_next && !page.items.empty()) {
      result->next_cursor =
          cursors_.Encode(tenant, query, {true, page.items.back().first});
    }
    if (page.has_previous) {
      const SortPosition& first = !page.items.empty() ? page.items.front().first
                                                      : page.cursor->at;
      result->previous_cursor = cursors_.Encode(tenant, query, {false, first});
    }
  }
  Projection projection(schema,
                        {request.attributes().begin(), request.attributes().end()},
                        {request.excluded_attributes().begin(),
                         request.excluded_attributes().end()});
  for (auto& [position, resource] : page.items) {
    RETURN_IF_ERROR(ReadEdges(type, tenant, resource.get(), &projection));
    projection.Apply(resource.get());
    result->resources.push_back(std::move(resource));
  }
  return absl::OkStatus();
}

}  // namespace scim::identity
