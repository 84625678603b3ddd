// ResourceStore::EnsureIndexes and BuildTenantIndexes. EnsureIndexes: at start-up, (re)builds the entries of every
// index whose ready marker (keys.h) is missing or names another encoding: a
// database written before the index existed has no entries for it, and a
// filter planned on it would miss resources. The planner uses an index only
// once its marker matches (query_planner.cc); until then such filters scan.
#include <algorithm>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "identity-service/index_encoding.h"
#include "identity-service/keys.h"
#include "identity-service/message_fields.h"
#include "identity-service/schema_keys.h"
#include "identity-service/resource_store.h"
#include "identity-service/stored_resource.h"
#include "identity-service/write_retry.h"

namespace scim::identity {
namespace {

// The indexes of one type whose entries are rebuilt.
struct Rebuild {
  const ResourceType* type = nullptr;
  std::vector<const IndexedAttribute*> attributes;
};

// {tenant}/{rest}: the tenant and what follows it (nullopt for markers).
std::optional<std::pair<absl::string_view, absl::string_view>> SplitTenant(
    absl::string_view key) {
  if (absl::StartsWith(key, kIndexReadyPrefix)) return std::nullopt;
  const size_t slash = key.find('/');
  if (slash == absl::string_view::npos) return std::nullopt;
  return std::make_pair(key.substr(0, slash), key.substr(slash + 1));
}

// Visits the keys of `cf` that `wanted` takes, `batch` of them at a time,
// in one pass: each batch is handed to `apply` (one bounded transaction)
// before the scan goes on past it.
absl::Status InBatches(KvStore& kv, absl::string_view cf, size_t batch,
                       const std::function<bool(absl::string_view)>& wanted,
                       const std::function<absl::Status(const std::vector<std::string>&)>& apply,
                       absl::string_view prefix = "") {
  std::string start;
  for (;;) {
    std::vector<std::string> keys;
    std::optional<std::string> next;
    RETURN_IF_ERROR(kv.Scan(cf, prefix, start, [&](absl::string_view key, absl::string_view) {
      if (keys.size() >= batch) {
        next = std::string(key);
        return false;
      }
      if (wanted(key)) keys.emplace_back(key);
      return true;
    }));
    if (!keys.empty()) RETURN_IF_ERROR(apply(keys));
    if (!next.has_value()) return absl::OkStatus();
    start = std::move(*next);
  }
}

}  // namespace

absl::StatusOr<int64_t> ResourceStore::EnsureIndexes(size_t batch) {
  batch = std::max<size_t>(batch, 1);
  // The declared indexes whose marker is not what it should be, by type.
  std::map<std::string, Rebuild> rebuild;
  std::vector<std::pair<std::string, std::string>> markers;  // to put: key, value
  std::set<std::string> declared;
  // "{type}/{attr}/" whose entries (another encoding, or an index no longer
  // declared) are removed first; and the markers of the latter.
  std::vector<std::string> purge;
  std::vector<std::string> dropped;
  for (const ResourceType* type : {&UserResourceType(), &GroupResourceType()}) {
    for (const IndexedAttribute& attr : type->indexed) {
      ASSIGN_OR_RETURN(IndexEncoding encoding, EncodingOf(SchemaOf(*type), attr));
      const std::string key = IndexReadyKey(type->name, attr.path);
      declared.insert(key);
      ASSIGN_OR_RETURN(std::optional<std::string> marker, kv_->Get(kIndexCf, key));
      const std::string version = EncodingVersion(encoding);
      if (marker == version) continue;
      Rebuild& r = rebuild[type->name];
      r.type = type;
      r.attributes.push_back(&attr);
      markers.emplace_back(key, version);
      if (marker.has_value()) purge.push_back(absl::StrCat(type->name, "/", attr.path, "/"));
    }
  }
  RETURN_IF_ERROR(kv_->Scan(kIndexCf, kIndexReadyPrefix, "",
                            [&](absl::string_view key, absl::string_view) {
                              if (declared.count(std::string(key)) == 0) {
                                dropped.emplace_back(key);
                                purge.push_back(absl::StrCat(
                                    key.substr(sizeof(kIndexReadyPrefix) - 1), "/"));
                              }
                              return true;
                            }));
  if (rebuild.empty() && dropped.empty()) return 0;

  if (!purge.empty()) {
    RETURN_IF_ERROR(InBatches(
        *kv_, kIndexCf, batch,
        [&](absl::string_view key) {
          auto split = SplitTenant(key);
          return split.has_value() &&
                 std::any_of(purge.begin(), purge.end(), [&](const std::string& p) {
                   return absl::StartsWith(split->second, p);
                 });
        },
        [&](const std::vector<std::string>& keys) {
          return RunWrite(*kv_, *random_, Deadline(), [&](KvTransaction& txn) {
            for (const auto& key : keys) RETURN_IF_ERROR(txn.Delete(kIndexCf, key));
            return absl::OkStatus();
          });
        }));
  }

  // One pass over every tenant's resources ({tenant}/{type}/{id}); each
  // batch reads its resources under their locks, so that the entries are
  // those of the version stored even should a write come meanwhile.
  int64_t indexed = 0;
  auto type_of = [&](absl::string_view key) -> const Rebuild* {
    auto split = SplitTenant(key);
    if (!split.has_value()) return nullptr;
    const size_t slash = split->second.find('/');
    if (slash == absl::string_view::npos) return nullptr;
    auto it = rebuild.find(std::string(split->second.substr(0, slash)));
    return it == rebuild.end() ? nullptr : &it->second;
  };
  RETURN_IF_ERROR(InBatches(
      *kv_, kResourcesCf, batch,
      [&](absl::string_view key) { return type_of(key) != nullptr; },
      [&](const std::vector<std::string>& keys) {
        RETURN_IF_ERROR(RunWrite(*kv_, *random_, Deadline(), [&](KvTransaction& txn) {
          for (const std::string& key : keys) {
            const Rebuild& r = *type_of(key);
            const ResourceType* type = r.type;
            const size_t tenant_end = key.find('/');
            const absl::string_view tenant = absl::string_view(key).substr(0, tenant_end);
            const absl::string_view id =
                absl::string_view(key).substr(tenant_end + type->name.size() + 2);
            ASSIGN_OR_RETURN(std::optional<std::string> bytes,
                             txn.GetForUpdate(kResourcesCf, key));
            if (!bytes.has_value()) continue;  // deleted meanwhile
            std::unique_ptr<google::protobuf::Message> resource = NewMessage(*type);
            RETURN_IF_ERROR(ParseStored(bytes, *type, id, resource.get()));
            for (const IndexedAttribute* attr : r.attributes) {
              ASSIGN_OR_RETURN(std::vector<std::string> values,
                               IndexValuesAt(SchemaOf(*type), *resource, *attr));
              for (const auto& v : values) {
                RETURN_IF_ERROR(txn.Put(kIndexCf,
                                        IndexKey(tenant, type->name, attr->path, v, id),
                                        ""));
              }
            }
          }
          return absl::OkStatus();
        }));
        indexed += static_cast<int64_t>(keys.size());
        return absl::OkStatus();
      }));

  // Last: from here on, filters read the entries.
  RETURN_IF_ERROR(RunWrite(*kv_, *random_, Deadline(), [&](KvTransaction& txn) {
    for (const auto& [key, value] : markers) RETURN_IF_ERROR(txn.Put(kIndexCf, key, value));
    for (const auto& key : dropped) RETURN_IF_ERROR(txn.Delete(kIndexCf, key));
    return absl::OkStatus();
  }));
  return indexed;
}

absl::StatusOr<int64_t> ResourceStore::BuildTenantIndexes(absl::string_view tenant,
                                                          size_t batch) {
  batch = std::max<size_t>(batch, 1);
  auto delete_keys = [&](absl::string_view cf) {
    return [this, cf](const std::vector<std::string>& keys) {
      return RunWrite(*kv_, *random_, Deadline(), [&](KvTransaction& txn) {
        for (const auto& key : keys) RETURN_IF_ERROR(txn.Delete(cf, key));
        return absl::OkStatus();
      });
    };
  };
  int64_t read = 0;
  for (const ResourceType* base : {&UserResourceType(), &GroupResourceType()}) {
    const ResourceType& type = KeysOf(*base);
    const ResourceTypeSchema& schema = SchemaOf(type);
    std::map<std::string, std::string> declared;  // path -> encoding version
    for (const IndexedAttribute& attr : type.indexed) {
      if (!IsCustomPath(attr.path)) continue;
      ASSIGN_OR_RETURN(IndexEncoding encoding, EncodingOf(schema, attr));
      declared[attr.path] = EncodingVersion(encoding);
    }
    const std::string markers = TenantIndexReadyKey(tenant, type.name, "");
    std::map<std::string, std::string> present;
    RETURN_IF_ERROR(kv_->Scan(kIndexCf, markers, "",
                              [&](absl::string_view key, absl::string_view value) {
                                present[std::string(key.substr(markers.size()))] = std::string(value);
                                return true;
                              }));
    // Entries no declaration stands behind any more: their marker goes
    // first, so that no filter reads them meanwhile.
    for (const auto& [path, version] : present) {
      auto it = declared.find(path);
      if (it != declared.end() && it->second == version) continue;
      RETURN_IF_ERROR(delete_keys(kIndexCf)({markers + path}));
      RETURN_IF_ERROR(InBatches(
          *kv_, kIndexCf, batch, [](absl::string_view) { return true; },
          delete_keys(kIndexCf), AttributeKeyPrefix(tenant, type.name, path)));
    }
    std::vector<const IndexedAttribute*> build;
    for (const IndexedAttribute& attr : type.indexed) {
      auto it = present.find(attr.path);
      if (IsCustomPath(attr.path) && (it == present.end() || it->second != declared[attr.path])) {
        build.push_back(&attr);
      }
    }
    if (build.empty()) continue;
    // Each batch reads its resources under their locks, so that the entries
    // are those of the version stored while writes go on.
    const std::string resources = ResourceKey(tenant, type.name, "");
    RETURN_IF_ERROR(InBatches(
        *kv_, kResourcesCf, batch, [](absl::string_view) { return true; },
        [&](const std::vector<std::string>& keys) {
          RETURN_IF_ERROR(RunWrite(*kv_, *random_, Deadline(), [&](KvTransaction& txn) {
            for (const std::string& key : keys) {
              const absl::string_view id = absl::string_view(key).substr(resources.size());
              ASSIGN_OR_RETURN(std::optional<std::string> bytes,
                               txn.GetForUpdate(kResourcesCf, key));
              if (!bytes.has_value()) continue;  // deleted meanwhile
              std::unique_ptr<google::protobuf::Message> resource = NewResource(type);
              RETURN_IF_ERROR(ParseStored(bytes, type, id, resource.get()));
              for (const IndexedAttribute* attr : build) {
                ASSIGN_OR_RETURN(std::vector<std::string> values,
                                 IndexValuesAt(schema, *resource, *attr));
                for (const auto& v : values) {
                  RETURN_IF_ERROR(
                      txn.Put(kIndexCf, IndexKey(tenant, type.name, attr->path, v, id), ""));
                }
              }
            }
            return absl::OkStatus();
          }));
          read += static_cast<int64_t>(keys.size());
          return absl::OkStatus();
        },
        resources));
    RETURN_IF_ERROR(RunWrite(*kv_, *random_, Deadline(), [&](KvTransaction& txn) {
      for (const IndexedAttribute* attr : build) {
        RETURN_IF_ERROR(txn.Put(kIndexCf, markers + attr->path, declared[attr->path]));
      }
      return absl::OkStatus();
    }));
  }
  return read;
}

}  // namespace scim::identity
