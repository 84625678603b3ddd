#include "identity-service/resource_store.h"

#include <openssl/evp.h>

#include <algorithm>

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
#include "scim/attribute_values.h"
#include "scim/json_codec.h"
#include "scim/simple_filter.h"

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

// Clears what only the server may set.
void ClearReadOnly(const ResourceType& type, Message* m) {
  for (const auto& name : type.read_only) {
    if (const FieldDescriptor* f = Field(*m, name)) {
      m->GetReflection()->ClearField(m, f);
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

}  // namespace

const ResourceType& UserResourceType() {
  static const ResourceType* type = [] {
    auto* t = new ResourceType;
    t->name = "User";
    t->endpoint = "Users";
    t->core_schema = "urn:ietf:params:scim:schemas:core:2.0:User";
    t->descriptor = v1::User::descriptor();
    t->required = {"userName"};
    t->read_only = {"id", "meta", "groups"};
    t->unique = {"userName"};
    t->indexed = {{"externalId", true}, {"emails.value", false}};
    return t;
  }();
  return *type;
}

std::string FormatVersion(int64_t version) {
  return absl::StrCat("W/\"", version, "\"");
}

int64_t ParseVersion(absl::string_view etag) {
  etag = absl::StripAsciiWhitespace(etag);
  absl::ConsumePrefix(&etag, "W/");
  absl::ConsumePrefix(&etag, "\"");
  absl::ConsumeSuffix(&etag, "\"");
  int64_t v = 0;
  return absl::SimpleAtoi(etag, &v) ? v : -1;
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
                             RandomSource* random)
    : kv_(kv), outbox_(outbox), clock_(clock), random_(random) {}

absl::Status ResourceStore::CheckRequired(const ResourceType& type,
                                          const Message& resource) {
  for (const auto& path : type.required) {
    ASSIGN_OR_RETURN(std::vector<std::string> values,
                     StringValuesAt(resource, path));
    bool present = std::any_of(values.begin(), values.end(), [](auto& v) {
      return !absl::StripAsciiWhitespace(v).empty();
    });
    if (!present) {
      return InvalidValue(absl::StrCat("required attribute '", path,
                                       "' is missing or empty"));
    }
  }
  return absl::OkStatus();
}

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
      ASSIGN_OR_RETURN(old_values, StringValuesAt(*old_resource, path));
    }
    if (new_resource != nullptr) {
      ASSIGN_OR_RETURN(new_values, StringValuesAt(*new_resource, path));
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
                       StringValuesAt(*old_resource, attr.path));
      for (const auto& v : values) {
        RETURN_IF_ERROR(txn.Delete(
            kIndexCf, IndexKey(tenant, type.name, attr.path,
                               Normalize(v, attr.case_exact), id)));
      }
    }
    if (new_resource != nullptr) {
      ASSIGN_OR_RETURN(std::vector<std::string> values,
                       StringValuesAt(*new_resource, attr.path));
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
                                   const RequestContext& context) {
  RETURN_IF_ERROR(outbox_->CheckCapacity());
  ClearReadOnly(type, resource);
  RETURN_IF_ERROR(CheckRequired(type, *resource));
  const std::string id = NewUuidV7(*clock_, *random_);
  SetString(resource, "id", id);
  SetSchemas(type, resource);
  const auto now = ToTimestamp(clock_->Now());
  v1::Meta* meta = MutableMeta(resource);
  meta->set_resource_type(type.name);
  *meta->mutable_created() = now;
  *meta->mutable_last_modified() = now;
  meta->set_version(FormatVersion(1));
  meta->set_location(
      absl::StrCat("/t/", tenant, "/scim/v2/", type.endpoint, "/", id));
  std::vector<std::string> changed = ChangedAttributes(nullptr, *resource);

  std::unique_ptr<Message> stored(resource->New());
  stored->CopyFrom(*resource);
  if (const FieldDescriptor* pw = Field(*stored, "password");
      pw != nullptr && stored->GetReflection()->HasField(*stored, pw)) {
    stored->GetReflection()->SetString(
        stored.get(), pw, HashPassword(GetString(*stored, "password"), *random_));
    resource->GetReflection()->ClearField(resource, pw);
  }
  RETURN_IF_ERROR(RunInTransaction(*kv_, [&](KvTransaction& txn) {
    RETURN_IF_ERROR(WriteKeys(type, tenant, id, nullptr, stored.get(), txn));
    RETURN_IF_ERROR(txn.Put(kResourcesCf, ResourceKey(tenant, type.name, id),
                            stored->SerializeAsString()));
    return AddEvent(type, tenant, id, "create", changed, context, txn);
  }));
  outbox_->Committed();
  return absl::OkStatus();
}

absl::Status ResourceStore::Get(const ResourceType& type,
                                absl::string_view tenant, absl::string_view id,
                                Message* out) {
  ASSIGN_OR_RETURN(std::optional<std::string> bytes,
                   kv_->Get(kResourcesCf, ResourceKey(tenant, type.name, id)));
  RETURN_IF_ERROR(ParseStored(bytes, type, id, out));
  if (const FieldDescriptor* pw = Field(*out, "password")) {
    out->GetReflection()->ClearField(out, pw);
  }
  return absl::OkStatus();
}

absl::Status ResourceStore::Replace(const ResourceType& type,
                                    absl::string_view tenant,
                                    absl::string_view id,
                                    absl::string_view if_match,
                                    Message* resource,
                                    const RequestContext& context) {
  RETURN_IF_ERROR(outbox_->CheckCapacity());
  std::string given_id = GetString(*resource, "id");
  if (!given_id.empty() && given_id != id) {
    return ScimError(absl::StatusCode::kInvalidArgument,
                     scim_type::kMutability,
                     absl::StrCat("id \"", given_id,
                                  "\" in the body does not match the URL"));
  }
  ClearReadOnly(type, resource);
  RETURN_IF_ERROR(CheckRequired(type, *resource));
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
    RETURN_IF_ERROR(LoadForUpdate(txn, type, tenant, id, if_match, old.get()));
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
    RETURN_IF_ERROR(WriteKeys(type, tenant, id, old.get(), stored.get(), txn));
    RETURN_IF_ERROR(txn.Put(kResourcesCf, ResourceKey(tenant, type.name, id),
                            stored->SerializeAsString()));
    return AddEvent(type, tenant, id, "replace", std::move(changed), context,
                    txn);
  }));
  outbox_->Committed();
  resource->CopyFrom(*stored);
  if (pw != nullptr) resource->GetReflection()->ClearField(resource, pw);
  return absl::OkStatus();
}

absl::Status ResourceStore::Delete(const ResourceType& type,
                                   absl::string_view tenant,
                                   absl::string_view id,
                                   absl::string_view if_match,
                                   const RequestContext& context) {
  RETURN_IF_ERROR(outbox_->CheckCapacity());
  std::unique_ptr<Message> old = NewMessage(type);
  RETURN_IF_ERROR(RunInTransaction(*kv_, [&](KvTransaction& txn) {
    RETURN_IF_ERROR(LoadForUpdate(txn, type, tenant, id, if_match, old.get()));
    RETURN_IF_ERROR(WriteKeys(type, tenant, id, old.get(), nullptr, txn));
    RETURN_IF_ERROR(txn.Delete(kResourcesCf, ResourceKey(tenant, type.name, id)));
    return AddEvent(type, tenant, id, "delete", {}, context, txn);
  }));
  outbox_->Committed();
  return absl::OkStatus();
}

absl::StatusOr<int64_t> ResourceStore::DeleteTenant(
    absl::string_view tenant, const RequestContext& context) {
  RETURN_IF_ERROR(outbox_->CheckCapacity());
  constexpr size_t kChunk = 5000;
  const std::string prefix = absl::StrCat(tenant, "/");
  int64_t deleted = 0;
  for (const char* cf : {kResourcesCf, kUniqueCf, kIndexCf, kMembersCf,
                         kMembersReverseCf}) {
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

absl::Status ResourceStore::FilteredIds(const ResourceType& type,
                                        absl::string_view tenant,
                                        absl::string_view filter,
                                        std::vector<std::string>* ids) {
  ASSIGN_OR_RETURN(EqualityFilter eq, ParseFilter(filter));
  if (absl::EqualsIgnoreCase(eq.attribute, "id")) {
    ASSIGN_OR_RETURN(std::optional<std::string> bytes,
                     kv_->Get(kResourcesCf, ResourceKey(tenant, type.name, eq.value)));
    if (bytes.has_value()) ids->push_back(eq.value);
    return absl::OkStatus();
  }
  for (const auto& path : type.unique) {
    if (!absl::EqualsIgnoreCase(eq.attribute, path)) continue;
    ASSIGN_OR_RETURN(
        std::optional<std::string> id,
        kv_->Get(kUniqueCf, ValueKey(tenant, type.name, path,
                                     Normalize(eq.value, false))));
    if (id.has_value()) ids->push_back(*id);
    return absl::OkStatus();
  }
  for (const auto& attr : type.indexed) {
    if (!absl::EqualsIgnoreCase(eq.attribute, attr.path)) continue;
    std::string prefix = ValueKey(tenant, type.name, attr.path,
                                  Normalize(eq.value, attr.case_exact));
    return kv_->Scan(kIndexCf, prefix, "",
                     [&](absl::string_view key, absl::string_view) {
                       ids->emplace_back(key.substr(prefix.size()));
                       return true;
                     });
  }
  return ScimError(absl::StatusCode::kInvalidArgument,
                   scim_type::kInvalidFilter,
                   absl::StrCat("filtering on '", eq.attribute,
                                "' is not supported yet"));
}

absl::Status ResourceStore::List(const ResourceType& type,
                                 absl::string_view tenant,
                                 const v1::ListRequest& request,
                                 ListResult* result) {
  const int32_t start = std::max(1, request.start_index());
  const int32_t count =
      request.has_count()
          ? std::clamp(request.count(), 0, kMaxCount)
          : kDefaultCount;
  result->start_index = start;
  result->resources.clear();
  auto add = [&](absl::string_view bytes) -> absl::Status {
    std::unique_ptr<Message> m = NewMessage(type);
    if (!m->ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
      return absl::DataLossError("corrupt resource");
    }
    if (const FieldDescriptor* pw = Field(*m, "password")) {
      m->GetReflection()->ClearField(m.get(), pw);
    }
    result->resources.push_back(std::move(m));
    return absl::OkStatus();
  };

  if (!request.filter().empty()) {
    std::vector<std::string> ids;
    RETURN_IF_ERROR(FilteredIds(type, tenant, request.filter(), &ids));
    std::sort(ids.begin(), ids.end());
    result->total_results = static_cast<int64_t>(ids.size());
    for (size_t i = start - 1; i < ids.size() && result->resources.size() <
                                                      static_cast<size_t>(count);
         ++i) {
      ASSIGN_OR_RETURN(std::optional<std::string> bytes,
                       kv_->Get(kResourcesCf, ResourceKey(tenant, type.name, ids[i])));
      if (bytes.has_value()) RETURN_IF_ERROR(add(*bytes));
    }
    return absl::OkStatus();
  }

  // Ids are time-ordered (UUIDv7), so key order is creation order: a client
  // paging with startIndex while others create sees new users at the end.
  int64_t position = 0;
  absl::Status status;
  RETURN_IF_ERROR(kv_->Scan(
      kResourcesCf, ResourcePrefix(tenant, type.name), "",
      [&](absl::string_view, absl::string_view value) {
        ++position;
        if (position >= start &&
            result->resources.size() < static_cast<size_t>(count)) {
          status = add(value);
          if (!status.ok()) return false;
        }
        return true;
      }));
  RETURN_IF_ERROR(status);
  result->total_results = position;
  return absl::OkStatus();
}

}  // namespace scim::identity
