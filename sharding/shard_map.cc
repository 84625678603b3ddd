#include "sharding/shard_map.h"

#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "nlohmann/json.hpp"

namespace scim::sharding {
namespace {

using json = nlohmann::json;

constexpr char kPrefix[] = "/scim/";
constexpr char kTenants[] = "/scim/tenants/";
constexpr char kShards[] = "/scim/shards/";

}  // namespace

std::string ShardMap::TenantKey(const std::string& tenant) { return kTenants + tenant; }
std::string ShardMap::ShardKey(int shard) { return absl::StrCat(kShards, shard); }
std::optional<std::string> ShardMap::DecodeShardAddress(const std::string& value) {
  json doc = json::parse(value, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object() || !doc.contains("address") || !doc["address"].is_string()) {
    return std::nullopt;
  }
  return doc["address"].get<std::string>();
}

std::string ShardMap::MoveKey(const std::string& tenant) { return "/scim/moves/" + tenant; }

absl::StatusOr<std::unique_ptr<ShardMap>> ShardMap::Start(std::unique_ptr<EtcdClient> etcd) {
  std::unique_ptr<ShardMap> map(new ShardMap(std::move(etcd)));
  if (absl::Status s = map->Load(); !s.ok()) return s;
  map->watcher_ = std::thread([m = map.get()] { m->WatchLoop(); });
  return map;
}

ShardMap::ShardMap(std::unique_ptr<EtcdClient> etcd) : etcd_(std::move(etcd)) {}

ShardMap::~ShardMap() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  etcd_->CancelWatch();
  if (watcher_.joinable()) watcher_.join();
}

absl::Status ShardMap::Load() {
  auto range = etcd_->Range(kPrefix);
  if (!range.ok()) return range.status();
  absl::MutexLock lock(&mu_);
  tenants_.clear();
  shards_.clear();
  for (const EtcdKv& kv : range->kvs) ApplyKv(kv, false);
  revision_ = range->revision;
  return absl::OkStatus();
}

void ShardMap::ApplyKv(const EtcdKv& kv, bool deleted) {
  if (absl::StartsWith(kv.key, kTenants)) {
    const std::string tenant = kv.key.substr(sizeof(kTenants) - 1);
    std::optional<Placement> p = deleted ? std::nullopt : DecodePlacement(kv.value);
    if (p.has_value()) {
      tenants_[tenant] = *p;
    } else {
      if (!deleted) LogWarning("unreadable shard map entry", {{"key", kv.key}});
      tenants_.erase(tenant);
    }
  } else if (absl::StartsWith(kv.key, kShards)) {
    int shard = -1;
    if (!absl::SimpleAtoi(kv.key.substr(sizeof(kShards) - 1), &shard) || shard < 0 ||
        shard >= kMaxShards) {
      return;
    }
    std::optional<std::string> address =
        deleted ? std::nullopt : DecodeShardAddress(kv.value);
    if (address.has_value()) {
      shards_[shard] = *std::move(address);
    } else {
      shards_.erase(shard);
    }
  }
  if (kv.mod_revision > revision_) revision_ = kv.mod_revision;
}

void ShardMap::Apply(const std::vector<EtcdEvent>& events) {
  absl::MutexLock lock(&mu_);
  for (const EtcdEvent& e : events) ApplyKv(e.kv, e.deleted);
}

void ShardMap::WatchLoop() {
  bool reload = false;
  while (true) {
    if (reload) {
      if (absl::Status s = Load(); !s.ok()) {
        LogWarning("shard map: cannot list etcd", {{"error", s.ToString()}});
      } else {
        reload = false;
      }
    }
    int64_t from;
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) return;
      from = revision_ + 1;
    }
    absl::Status s = reload ? absl::UnavailableError("not listed")
                            : etcd_->Watch(kPrefix, from, [this](const std::vector<EtcdEvent>& e) {
                                Apply(e);
                              });
    if (s.code() == absl::StatusCode::kCancelled) return;
    // Broken stream, compacted revision or unreachable etcd: wait a moment, then resume (a full
    // list after a failure, so nothing missed while away is kept stale).
    reload = true;
    absl::MutexLock lock(&mu_);
    mu_.AwaitWithTimeout(absl::Condition(&stopping_), absl::Seconds(1));
    if (stopping_) return;
  }
}

Placement ShardMap::Owner(const std::string& tenant) const {
  absl::ReaderMutexLock lock(&mu_);
  auto it = tenants_.find(tenant);
  return it == tenants_.end() ? Placement{} : it->second;
}

absl::StatusOr<Placement> ShardMap::Refresh(const std::string& tenant) {
  auto kv = etcd_->Get(TenantKey(tenant));
  if (!kv.ok()) return kv.status();
  absl::MutexLock lock(&mu_);
  if (!kv->has_value()) {
    tenants_.erase(tenant);
    return Placement{};
  }
  ApplyKv(**kv, false);
  auto it = tenants_.find(tenant);
  return it == tenants_.end() ? Placement{} : it->second;
}

std::map<int, std::string> ShardMap::Shards() const {
  absl::MutexLock lock(&mu_);
  return shards_;
}

std::optional<std::string> ShardMap::Address(int shard) const {
  absl::ReaderMutexLock lock(&mu_);
  auto it = shards_.find(shard);
  if (it == shards_.end()) return std::nullopt;
  return it->second;
}

std::map<int, int64_t> ShardMap::TenantCounts() const {
  absl::MutexLock lock(&mu_);
  std::map<int, int64_t> counts;
  for (const auto& [shard, address] : shards_) counts[shard] = 0;
  for (const auto& [tenant, p] : tenants_) counts[p.shard]++;
  return counts;
}

absl::Status ShardMap::RegisterShard(int shard, const std::string& address) {
  if (shard < 0 || shard >= kMaxShards) {
    return absl::InvalidArgumentError(absl::StrCat("shard numbers are 0 to ", kMaxShards - 1));
  }
  const std::string value = json{{"address", address}}.dump();
  if (absl::Status s = etcd_->Put(ShardKey(shard), value); !s.ok()) return s;
  absl::MutexLock lock(&mu_);
  shards_[shard] = address;
  return absl::OkStatus();
}

absl::StatusOr<Placement> ShardMap::PlaceTenant(const std::string& tenant, int shard,
                                                const std::function<bool(int)>& usable) {
  if (shard < 0) {
    // The usable registered shard with the fewest tenants (lowest number on ties).
    std::map<int, int64_t> counts = TenantCounts();
    if (counts.empty()) return absl::FailedPreconditionError("no identity shard is registered in etcd");
    for (const auto& [n, count] : counts) {
      if ((shard < 0 || count < counts[shard]) && (!usable || usable(n))) shard = n;
    }
    if (shard < 0) return absl::UnavailableError("no registered identity shard answers");
  } else if (!Address(shard).has_value()) {
    return absl::InvalidArgumentError(absl::StrCat("identity shard ", shard, " is not registered"));
  } else if (usable && !usable(shard)) {
    return absl::UnavailableError(absl::StrCat("identity shard ", shard, " does not answer"));
  }
  const Placement p{shard, 1};
  auto placed = etcd_->Txn({{TenantKey(tenant), 0}}, {{TenantKey(tenant), EncodePlacement(p)}});
  if (!placed.ok()) return placed.status();
  if (!*placed) {
    return absl::AlreadyExistsError(absl::StrCat("tenant ", tenant, " is already in the shard map"));
  }
  absl::MutexLock lock(&mu_);
  tenants_[tenant] = p;
  return p;
}

absl::Status ShardMap::RemoveTenant(const std::string& tenant) {
  auto kv = etcd_->Get(TenantKey(tenant));
  if (!kv.ok()) return kv.status();
  if (!kv->has_value()) return absl::OkStatus();
  auto removed = etcd_->Txn({{TenantKey(tenant), (*kv)->mod_revision}}, {{TenantKey(tenant), std::nullopt}});
  if (!removed.ok()) return removed.status();
  absl::MutexLock lock(&mu_);
  tenants_.erase(tenant);
  return absl::OkStatus();
}

absl::StatusOr<std::pair<Placement, int64_t>> ShardMap::Read(const std::string& tenant) {
  auto kv = etcd_->Get(TenantKey(tenant));
  if (!kv.ok()) return kv.status();
  if (!kv->has_value()) return std::make_pair(Placement{}, int64_t{0});
  std::optional<Placement> p = DecodePlacement((*kv)->value);
  if (!p.has_value()) {
    return absl::DataLossError(absl::StrCat("the shard map entry of ", tenant, " is unreadable"));
  }
  return std::make_pair(*p, (*kv)->mod_revision);
}

absl::StatusOr<bool> ShardMap::CompareAndSet(const std::string& tenant, int64_t mod_revision,
                                             const Placement& placement) {
  auto set = etcd_->Txn({{TenantKey(tenant), mod_revision}},
                        {{TenantKey(tenant), EncodePlacement(placement)}});
  if (!set.ok() || !*set) return set;
  absl::MutexLock lock(&mu_);
  tenants_[tenant] = placement;
  return true;
}

std::vector<std::pair<std::string, Placement>> ShardMap::FrozenOn(int shard) const {
  absl::MutexLock lock(&mu_);
  std::vector<std::pair<std::string, Placement>> out;
  for (const auto& [tenant, p] : tenants_) {
    if (p.shard == shard && p.frozen_until > 0) out.emplace_back(tenant, p);
  }
  return out;
}

std::unique_ptr<ShardMap> ShardMapFromFlag(const std::string& flag, int* exit_code) {
  *exit_code = 0;
  if (flag.empty()) return nullptr;
  auto etcd = EtcdClient::Connect(flag);
  if (!etcd.ok()) {
    LogError("bad --etcd", {{"error", etcd.status().ToString()}});
    *exit_code = 2;
    return nullptr;
  }
  auto map = ShardMap::Start(std::move(*etcd));
  if (!map.ok()) {
    LogError("cannot read the shard map", {{"error", map.status().ToString()}});
    *exit_code = 1;
    return nullptr;
  }
  return std::move(*map);
}

absl::StatusOr<Placement> PlacementOf(EtcdClient& etcd, const std::string& tenant) {
  auto kv = etcd.Get(ShardMap::TenantKey(tenant));
  if (!kv.ok()) return kv.status();
  if (!kv->has_value()) return Placement{};
  return DecodePlacement((*kv)->value).value_or(Placement{});
}

absl::StatusOr<std::string> ShardAddressOf(EtcdClient& etcd, const std::string& tenant) {
  auto placement = PlacementOf(etcd, tenant);
  if (!placement.ok()) return placement.status();
  auto kv = etcd.Get(ShardMap::ShardKey(placement->shard));
  if (!kv.ok()) return kv.status();
  std::optional<std::string> address =
      kv->has_value() ? ShardMap::DecodeShardAddress((*kv)->value) : std::nullopt;
  if (!address.has_value()) {
    return absl::UnavailableError(absl::StrCat("identity shard ", placement->shard, " (tenant ",
                                               tenant, ") is not registered in etcd"));
  }
  return *address;
}

}  // namespace scim::sharding
