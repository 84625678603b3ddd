#include "sharding/tenant_mover.h"

#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/status.h"
#include "grpcpp/create_channel.h"
#include "nlohmann/json.hpp"
#include "scim/v1/shards.grpc.pb.h"

namespace scim::sharding {
namespace {

using json = nlohmann::json;
using Stub = v1::ShardService::Stub;

struct Record {
  int from = -1, to = -1;
};

std::optional<Record> ParseRecord(const std::string& value) {
  json doc = json::parse(value, nullptr, false);
  if (!doc.is_object() || !doc.contains("from") || !doc.contains("to") ||
      !doc["from"].is_number_integer() || !doc["to"].is_number_integer()) {
    return std::nullopt;
  }
  return Record{doc["from"].get<int>(), doc["to"].get<int>()};
}

class Mover {
 public:
  Mover(ShardMap& map, const MoveOptions& options) : map_(map), options_(options) {}

  absl::StatusOr<std::unique_ptr<Stub>> StubFor(int shard) {
    std::optional<std::string> address = map_.Address(shard);
    if (!address.has_value()) {
      return absl::InvalidArgumentError(absl::StrCat("identity shard ", shard, " is not registered"));
    }
    return v1::ShardService::NewStub(grpc::CreateChannel(*address, options_.credentials));
  }

  absl::Status Call(const std::function<grpc::Status(grpc::ClientContext*)>& rpc) {
    auto context = options_.make_context();
    return FromGrpcStatus(rpc(context.get()));
  }

  v1::TenantShardRequest Request() const {
    v1::TenantShardRequest r;
    r.set_tenant(options_.tenant);
    return r;
  }

  void Progress(const std::string& line) {
    if (options_.progress) options_.progress(line);
  }

  absl::Status Drop(Stub& stub) {
    v1::DropTenantResponse r;
    return Call([&](grpc::ClientContext* c) { return stub.DropTenant(c, Request(), &r); });
  }

  absl::StatusOr<int64_t> Copy(Stub& from, Stub& to) {
    auto export_context = options_.make_context();
    auto import_context = options_.make_context();
    v1::ImportTenantResponse imported;
    auto reader = from.ExportTenant(export_context.get(), Request());
    auto writer = to.ImportTenant(import_context.get(), &imported);
    v1::TenantRows rows;
    bool written = true;
    while (written && reader->Read(&rows)) written = writer->Write(rows);
    if (!written) export_context->TryCancel();
    absl::Status exported = FromGrpcStatus(reader->Finish());
    writer->WritesDone();
    absl::Status status = FromGrpcStatus(writer->Finish());
    if (!exported.ok()) return exported;
    if (!status.ok()) return status;
    return imported.rows();
  }

  absl::StatusOr<v1::TenantSummary> Summary(Stub& stub) {
    v1::TenantSummary s;
    absl::Status status =
        Call([&](grpc::ClientContext* c) { return stub.SummarizeTenant(c, Request(), &s); });
    if (!status.ok()) return status;
    return s;
  }

  absl::StatusOr<MoveResult> Run() {
    const absl::Time started = absl::Now();
    const std::string& tenant = options_.tenant;
    MoveResult result;
    auto read = map_.Read(tenant);
    if (!read.ok()) return read.status();
    auto [placement, revision] = *read;
    result.from = placement.shard;
    auto record_kv = map_.etcd().Get(ShardMap::MoveKey(tenant));
    if (!record_kv.ok()) return record_kv.status();
    std::optional<Record> record =
        record_kv->has_value() ? ParseRecord((*record_kv)->value) : std::nullopt;

    if (placement.shard == options_.to) {
      // Already there; an earlier move may have stopped before its cleanup.
      if (record.has_value() && record->to == options_.to && record->from != options_.to) {
        Progress(absl::StrCat("finishing an earlier move: dropping the copy on shard ", record->from));
        auto source = StubFor(record->from);
        if (!source.ok()) return source.status();
        if (absl::Status s = Drop(**source); !s.ok()) return s;
        result.from = record->from;
      }
      (void)map_.etcd().Txn({}, {{ShardMap::MoveKey(tenant), std::nullopt}});
      result.already_there = true;
      result.total = absl::Now() - started;
      return result;
    }
    const int64_t now = absl::ToUnixSeconds(absl::Now());
    if (placement.frozen_until > now) {
      return absl::FailedPreconditionError(absl::StrCat(
          "tenant ", tenant, " is frozen by another move until ",
          absl::FormatTime(absl::FromUnixSeconds(placement.frozen_until)),
          "; run again after that"));
    }
    auto source = StubFor(placement.shard);
    if (!source.ok()) return source.status();
    auto target = StubFor(options_.to);
    if (!target.ok()) return target.status();

    // 1. Record, and clear what an interrupted attempt left on the target.
    if (absl::Status s = map_.etcd().Put(
            ShardMap::MoveKey(tenant),
            json{{"from", placement.shard}, {"to", options_.to}}.dump());
        !s.ok()) {
      return s;
    }
    if (absl::Status s = Drop(**target); !s.ok()) return s;

    // 2. Freeze.
    Placement frozen = placement;
    frozen.frozen_until = now + absl::ToInt64Seconds(options_.freeze_timeout);
    auto set = map_.CompareAndSet(tenant, revision, frozen);
    if (!set.ok()) return set.status();
    if (!*set) return absl::AbortedError("the tenant's placement changed meanwhile; run again");
    auto reread = map_.Read(tenant);
    if (!reread.ok()) return reread.status();
    const int64_t frozen_revision = reread->second;
    const absl::Time freeze_started = absl::Now();
    Progress(absl::StrCat("writes to ", tenant, " frozen on shard ", placement.shard));
    absl::Status status = Call([&](grpc::ClientContext* c) {
      v1::FreezeTenantResponse r;
      return (*source)->FreezeTenant(c, Request(), &r);
    });

    // 3. Copy; 4. verify.
    if (status.ok()) {
      auto rows = Copy(**source, **target);
      status = rows.status();
      if (rows.ok()) {
        result.rows = *rows;
        Progress(absl::StrCat("copied ", *rows, " rows to shard ", options_.to));
      }
    }
    if (status.ok()) {
      auto a = Summary(**source);
      auto b = Summary(**target);
      status = !a.ok() ? a.status() : b.status();
      if (status.ok() && a->SerializeAsString() != b->SerializeAsString()) {
        status = absl::DataLossError("the copy differs from the source (key counts or SHA-256)");
      }
    }
    // 5. Flip.
    if (status.ok()) {
      auto flipped = map_.CompareAndSet(tenant, frozen_revision,
                                        Placement{options_.to, placement.epoch + 1, 0});
      status = !flipped.ok() ? flipped.status()
               : *flipped    ? absl::OkStatus()
                             : absl::AbortedError("the freeze expired before the copy was done "
                                                  "(the source took writes again); run again, "
                                                  "perhaps with a longer --freeze_timeout");
    }
    result.frozen = absl::Now() - freeze_started;
    if (!status.ok()) {
      // Undo: writable again on the source (a new epoch), nothing left on the target.
      Progress(absl::StrCat("undoing: ", status.message()));
      (void)map_.CompareAndSet(tenant, frozen_revision,
                               Placement{placement.shard, placement.epoch + 1, 0});
      (void)Call([&](grpc::ClientContext* c) {
        v1::ThawTenantResponse r;
        return (*source)->ThawTenant(c, Request(), &r);
      });
      (void)Drop(**target);
      (void)map_.etcd().Txn({}, {{ShardMap::MoveKey(tenant), std::nullopt}});
      return status;
    }
    Progress(absl::StrCat(tenant, " is served by shard ", options_.to, " (writes were refused for ",
                          absl::FormatDuration(result.frozen), ")"));
    // 6. The source's copy goes; the source stops refusing (it no longer
    // serves the tenant at all).
    (void)Call([&](grpc::ClientContext* c) {
      v1::ThawTenantResponse r;
      return (*source)->ThawTenant(c, Request(), &r);
    });
    if (absl::Status s = Drop(**source); !s.ok()) {
      return absl::Status(s.code(), absl::StrCat("moved, but the old copy on shard ",
                                                 placement.shard, " stays (", s.message(),
                                                 "); run the move again to drop it"));
    }
    (void)map_.etcd().Txn({}, {{ShardMap::MoveKey(tenant), std::nullopt}});
    result.total = absl::Now() - started;
    return result;
  }

 private:
  ShardMap& map_;
  const MoveOptions& options_;
};

}  // namespace

absl::StatusOr<MoveResult> MoveTenant(ShardMap& map, const MoveOptions& options) {
  if (options.to < 0 || options.to >= kMaxShards) {
    return absl::InvalidArgumentError(absl::StrCat("--to must be a shard number, 0 to ", kMaxShards - 1));
  }
  return Mover(map, options).Run();
}

}  // namespace scim::sharding
