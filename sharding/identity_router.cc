#include "sharding/identity_router.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "grpcpp/create_channel.h"
#include "sharding/wrong_shard.h"

namespace scim::sharding {
namespace {

class FixedRouter final : public IdentityRouter {
 public:
  explicit FixedRouter(Target target) : target_(std::move(target)) {}
  absl::StatusOr<Target> For(const std::string&, bool) override { return target_; }

 private:
  const Target target_;
};

class ShardedRouter final : public IdentityRouter {
 public:
  ShardedRouter(ShardMap* map, std::shared_ptr<grpc::ChannelCredentials> credentials)
      : map_(map), credentials_(std::move(credentials)) {}

  absl::StatusOr<Target> For(const std::string& tenant, bool refresh) override {
    Placement placement = map_->Owner(tenant);
    if (refresh) {
      auto read = map_->Refresh(tenant);
      if (!read.ok()) return read.status();
      placement = *read;
    }
    std::optional<std::string> address = map_->Address(placement.shard);
    if (!address.has_value()) {
      return absl::UnavailableError(absl::StrCat("identity shard ", placement.shard,
                                                 " (tenant ", tenant, ") is not registered"));
    }
    {
      absl::ReaderMutexLock read(&mu_);
      auto it = targets_.find(*address);
      if (it != targets_.end()) return it->second;
    }
    absl::MutexLock lock(&mu_);
    auto it = targets_.find(*address);
    if (it == targets_.end()) {
      // One channel per address for the life of the process: shards are few.
      auto channel = grpc::CreateChannel(*address, credentials_);
      it = targets_.emplace(*address, Target{v1::IdentityService::NewStub(channel),
                                             v1::SchemaService::NewStub(channel)})
               .first;
    }
    return it->second;
  }

 private:
  ShardMap* const map_;
  const std::shared_ptr<grpc::ChannelCredentials> credentials_;
  absl::Mutex mu_;
  std::map<std::string, Target> targets_ ABSL_GUARDED_BY(mu_);
};

template <typename StubT>
grpc::Status RunRouted(const std::string& tenant,
                       const std::function<absl::StatusOr<std::shared_ptr<StubT>>(bool)>& stub_for,
                       const std::function<grpc::Status(StubT&)>& attempt, int attempts = 2) {
  for (int round = 0; round < attempts; ++round) {
    auto stub = stub_for(/*refresh=*/round > 0);
    if (!stub.ok()) return ToGrpcStatus(stub.status());
    grpc::Status s = attempt(**stub);
    if (!IsWrongShard(FromGrpcStatus(s))) return s;
  }
  return ToGrpcStatus(absl::UnavailableError(absl::StrCat(
      "tenant ", tenant, " is moving between identity shards; retry in a moment")));
}

}  // namespace

std::unique_ptr<IdentityRouter> IdentityRouter::Fixed(std::shared_ptr<grpc::ChannelInterface> channel) {
  return std::make_unique<FixedRouter>(
      Target{v1::IdentityService::NewStub(channel), v1::SchemaService::NewStub(channel)});
}

std::unique_ptr<IdentityRouter> IdentityRouter::FixedStub(std::shared_ptr<Stub> stub) {
  return std::make_unique<FixedRouter>(Target{std::move(stub), nullptr});
}

std::unique_ptr<IdentityRouter> IdentityRouter::Sharded(
    ShardMap* map, std::shared_ptr<grpc::ChannelCredentials> credentials) {
  return std::make_unique<ShardedRouter>(map, std::move(credentials));
}

grpc::Status IdentityRouter::Run(const std::string& tenant,
                                 const std::function<grpc::Status(Stub& stub)>& attempt) {
  return RunRouted<Stub>(
      tenant,
      [&](bool refresh) -> absl::StatusOr<std::shared_ptr<Stub>> {
        auto target = For(tenant, refresh);
        if (!target.ok()) return target.status();
        return target->identity;
      },
      attempt);
}

grpc::Status IdentityRouter::RunSchemas(
    const std::string& tenant,
    const std::function<grpc::Status(v1::SchemaService::StubInterface&)>& attempt, int attempts) {
  return RunRouted<v1::SchemaService::StubInterface>(
      tenant,
      [&](bool refresh) -> absl::StatusOr<std::shared_ptr<v1::SchemaService::StubInterface>> {
        auto target = For(tenant, refresh);
        if (!target.ok()) return target.status();
        if (target->schemas == nullptr) return absl::UnavailableError("no schema service");
        return target->schemas;
      },
      attempt, attempts);
}

}  // namespace scim::sharding
