// scimctl's shard commands: `shard list` (each identity shard with its
// address, tenants and users). Without --etcd there is one implicit shard.
#include <iostream>
#include <map>

#include "absl/flags/declare.h"
#include "absl/flags/flag.h"
#include "grpcpp/create_channel.h"
#include "nlohmann/json.hpp"
#include "scim/v1/identity.grpc.pb.h"
#include "scimctl/cli.h"
#include "scimctl/commands.h"
#include "sharding/shard_map.h"

ABSL_DECLARE_FLAG(std::string, server);
ABSL_DECLARE_FLAG(std::string, identity_server);

namespace scimctl {
namespace {

struct ShardRow {
  std::string address = "-";  // "-": not registered
  std::vector<std::string> tenants;
  int64_t users = 0;
  bool users_known = true;
};

int List(const Session& session, const std::vector<std::string>&) {
  scim::v1::ListTenantsResponse tenants;
  grpc::Status s = session.tokens->ListTenants(AdminContext(session.token).get(), {}, &tenants);
  if (!s.ok()) return Fail(s);
  std::map<int, ShardRow> rows;
  std::unique_ptr<scim::sharding::EtcdClient> etcd = EtcdFromFlag();
  if (etcd == nullptr) {
    const std::string identity = absl::GetFlag(FLAGS_identity_server);
    rows[0].address = identity.empty() ? absl::GetFlag(FLAGS_server) : identity;
    for (const auto& t : tenants.tenants()) rows[0].tenants.push_back(t.id());
  } else {
    auto map = scim::sharding::ShardMap::Start(std::move(etcd));
    if (!map.ok()) {
      std::cerr << "scimctl: " << map.status().message() << "\n";
      return kUnreachable;
    }
    for (const auto& [shard, address] : (*map)->Shards()) rows[shard].address = address;
    for (const auto& t : tenants.tenants()) rows[(*map)->Owner(t.id()).shard].tenants.push_back(t.id());
  }
  bool all_answered = true;
  for (auto& [shard, row] : rows) {
    if (row.address == "-") {
      row.users_known = false;
      continue;
    }
    auto identity = scim::v1::IdentityService::NewStub(
        row.address == absl::GetFlag(FLAGS_server) ? session.channel
                                                   : grpc::CreateChannel(row.address, session.creds));
    for (const std::string& tenant : row.tenants) {
      scim::v1::ListUsersRequest request;
      request.set_tenant(tenant);
      request.mutable_query()->set_count(0);
      scim::v1::ListUsersResponse response;
      grpc::Status counted = identity->ListUsers(AdminContext(session.token).get(), request, &response);
      if (!counted.ok()) {
        row.users_known = false;
        all_answered = false;
        std::cerr << "scimctl: shard " << shard << " (" << row.address << "): "
                  << counted.error_message() << "\n";
        break;
      }
      row.users += response.total_results();
    }
  }
  if (JsonOutput()) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& [shard, row] : rows) {
      out.push_back({{"shard", shard},
                     {"address", row.address},
                     {"tenants", row.tenants.size()},
                     {"users", row.users_known ? nlohmann::json(row.users) : nlohmann::json()}});
    }
    std::cout << out.dump() << std::endl;
  } else {
    for (const auto& [shard, row] : rows) {
      std::cout << shard << " " << row.address << " " << row.tenants.size() << " "
                << (row.users_known ? std::to_string(row.users) : "-") << "\n";
    }
    std::cout << std::flush;
  }
  return all_answered ? 0 : kUnreachable;
}

}  // namespace

int RunShardCommand(const Session& session, const std::vector<std::string>& args) {
  static const std::vector<Command> kTable = {{"list", 2, List}};
  return Dispatch(kTable, session, args);
}

}  // namespace scimctl
