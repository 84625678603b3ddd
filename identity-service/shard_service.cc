#include "identity-service/shard_service.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/admin_token.h"
#include "common/log.h"
#include "common/status.h"
#include "common/request_metadata.h"

namespace scim::identity {

ShardServiceImpl::ShardServiceImpl(std::string admin_token, int self, sharding::ShardMap* map,
                                   KvStore* kv, TenantFence* fence, events::EventLog* events,
                                   Clock* clock, std::function<void(const std::string&)> forget)
    : admin_token_(std::move(admin_token)),
      self_(self),
      map_(map),
      transfer_(kv),
      fence_(fence),
      events_(events),
      clock_(clock),
      forget_(std::move(forget)),
      sync_("shard-freezes", clock, [this] {
        SyncFreezes();
        return PeriodicWorker::Wait::For(absl::Seconds(1));
      }) {}

ShardServiceImpl::~ShardServiceImpl() { sync_.Stop(); }

void ShardServiceImpl::Start() {
  SyncFreezes();
  sync_.Start(absl::Seconds(1));
}

void ShardServiceImpl::SyncFreezes() {
  const int64_t now = absl::ToUnixSeconds(clock_->Now());
  // Frozen in the map: frozen here (a restart must not let writes through).
  for (const auto& [tenant, placement] : map_->FrozenOn(self_)) {
    if (placement.frozen_until > now && !fence_->Frozen(tenant)) fence_->Freeze(tenant);
  }
  for (const std::string& tenant : fence_->FrozenTenants()) {
    auto read = map_->Read(tenant);
    if (!read.ok()) continue;  // etcd away: stay frozen (safe)
    auto [placement, revision] = *read;
    if (placement.shard != self_) {
      // Moved away: the owner check refuses it from now on.
      fence_->Thaw(tenant);
      continue;
    }
    if (placement.frozen_until == 0) {
      fence_->Thaw(tenant);
      continue;
    }
    if (placement.frozen_until > now) continue;
    // Expired: the mover is gone or too slow. A new epoch first, so that
    // its flip (compared against the frozen entry) can no longer succeed;
    // then writes resume here.
    sharding::Placement resumed{self_, placement.epoch + 1, 0};
    auto bumped = map_->CompareAndSet(tenant, revision, resumed);
    if (bumped.ok() && *bumped) {
      fence_->Thaw(tenant);
      LogWarning("a tenant move's freeze expired; the tenant is writable here again",
                 {{"tenant", tenant}, {"epoch", absl::StrCat(resumed.epoch)}});
    }
  }
}

absl::Status ShardServiceImpl::CheckServes(const std::string& tenant, bool serves) {
  if (!IsValidTenantId(tenant)) return InvalidValue("not a tenant id");
  auto read = map_->Read(tenant);
  if (!read.ok()) return read.status();
  if ((read->first.shard == self_) != serves) {
    return absl::FailedPreconditionError(absl::StrCat(
        "tenant ", tenant, " is served by shard ", read->first.shard, "; shard ", self_,
        serves ? " cannot give it away" : " will not overwrite or drop it"));
  }
  return absl::OkStatus();
}

grpc::Status ShardServiceImpl::FreezeTenant(grpc::ServerContext* context,
                                            const v1::TenantShardRequest* request,
                                            v1::FreezeTenantResponse*) {
  return AsAdmin(*context, admin_token_, [&]() -> absl::Status {
    const std::string& tenant = request->tenant();
    RETURN_IF_ERROR(CheckServes(tenant, true));
    auto read = map_->Read(tenant);
    if (!read.ok()) return read.status();
    if (read->first.frozen_until <= absl::ToUnixSeconds(clock_->Now())) {
      return absl::FailedPreconditionError(
          absl::StrCat("the shard map does not mark tenant ", tenant, " frozen"));
    }
    fence_->Freeze(tenant);
    // Events committed before the freeze get their numbers now, so that the
    // copy carries them.
    for (int round = 0; round < 100; ++round) {
      auto numbered = events_->NumberCommitted();
      if (!numbered.ok()) return numbered.status();
      if (*numbered == 0) break;
    }
    return absl::OkStatus();
  });
}

grpc::Status ShardServiceImpl::ThawTenant(grpc::ServerContext* context,
                                          const v1::TenantShardRequest* request,
                                          v1::ThawTenantResponse*) {
  return AsAdmin(*context, admin_token_, [&]() -> absl::Status {
    // Only once the map no longer says frozen (the flip, or the mover's
    // undo): otherwise the next sync would freeze it again anyway.
    auto read = map_->Read(request->tenant());
    if (!read.ok()) return read.status();
    if (read->first.shard == self_ && read->first.frozen_until > 0) {
      return absl::FailedPreconditionError("the shard map still marks the tenant frozen");
    }
    (void)map_->Refresh(request->tenant());
    fence_->Thaw(request->tenant());
    return absl::OkStatus();
  });
}

grpc::Status ShardServiceImpl::ExportTenant(grpc::ServerContext* context,
                                            const v1::TenantShardRequest* request,
                                            grpc::ServerWriter<v1::TenantRows>* writer) {
  return AsAdmin(*context, admin_token_, [&]() -> absl::Status {
    const std::string& tenant = request->tenant();
    RETURN_IF_ERROR(CheckServes(tenant, true));
    if (!fence_->Frozen(tenant)) {
      return absl::FailedPreconditionError("freeze the tenant before exporting it");
    }
    return transfer_.Export(tenant, [&](const std::string& cf, Rows rows) -> absl::Status {
      v1::TenantRows out;
      out.set_tenant(tenant);
      out.set_cf(cf);
      for (auto& [key, value] : rows) {
        out.add_keys(std::move(key));
        out.add_values(std::move(value));
      }
      if (context->IsCancelled() || !writer->Write(out)) {
        return absl::CancelledError("the mover went away");
      }
      return absl::OkStatus();
    });
  });
}

grpc::Status ShardServiceImpl::ImportTenant(grpc::ServerContext* context,
                                            grpc::ServerReader<v1::TenantRows>* reader,
                                            v1::ImportTenantResponse* response) {
  return AsAdmin(*context, admin_token_, [&]() -> absl::Status {
    v1::TenantRows in;
    std::string tenant;
    std::vector<TenantKeyRange> ranges;
    while (reader->Read(&in)) {
      if (tenant.empty()) {
        tenant = in.tenant();
        RETURN_IF_ERROR(CheckServes(tenant, false));
        ranges = TenantKeyRanges(tenant);
      } else if (in.tenant() != tenant) {
        return InvalidValue("one import carries one tenant");
      }
      if (in.keys_size() != in.values_size()) return InvalidValue("keys and values differ in number");
      Rows rows;
      rows.reserve(in.keys_size());
      for (int i = 0; i < in.keys_size(); ++i) {
        // Only the tenant's own ranges: an import never writes elsewhere.
        bool inside = false;
        for (const TenantKeyRange& r : ranges) {
          if (r.cf == in.cf() && in.keys(i) >= r.begin && in.keys(i) < r.end) inside = true;
        }
        if (!inside) return InvalidValue(absl::StrCat("a key outside tenant ", tenant, "'s ranges"));
        rows.emplace_back(in.keys(i), in.values(i));
      }
      RETURN_IF_ERROR(transfer_.Import(in.cf(), rows));
      response->set_rows(response->rows() + static_cast<int64_t>(rows.size()));
    }
    return absl::OkStatus();
  });
}

grpc::Status ShardServiceImpl::SummarizeTenant(grpc::ServerContext* context,
                                               const v1::TenantShardRequest* request,
                                               v1::TenantSummary* response) {
  return AsAdmin(*context, admin_token_, [&]() -> absl::Status {
    if (!IsValidTenantId(request->tenant())) return InvalidValue("not a tenant id");
    auto summary = transfer_.Summarize(request->tenant());
    if (!summary.ok()) return summary.status();
    for (const auto& [cf, s] : *summary) {
      v1::CfSummary* out = response->add_cfs();
      out->set_cf(cf);
      out->set_keys(s.keys);
      out->set_sha256(s.sha256);
    }
    return absl::OkStatus();
  });
}

grpc::Status ShardServiceImpl::DropTenant(grpc::ServerContext* context,
                                          const v1::TenantShardRequest* request,
                                          v1::DropTenantResponse*) {
  return AsAdmin(*context, admin_token_, [&]() -> absl::Status {
    RETURN_IF_ERROR(CheckServes(request->tenant(), false));
    RETURN_IF_ERROR(transfer_.Drop(request->tenant()));
    fence_->Thaw(request->tenant());
    if (forget_) forget_(request->tenant());
    return absl::OkStatus();
  });
}

}  // namespace scim::identity
