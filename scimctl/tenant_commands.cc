// scimctl's tenant commands: create, list, get, disable/enable, delete, set.
#include <iostream>
#include <optional>

#include "absl/flags/declare.h"
#include "absl/flags/flag.h"
#include "scim/v1/identity.grpc.pb.h"
#include "scim/v1/token.grpc.pb.h"
#include "scim/v1/events.grpc.pb.h"
#include "grpcpp/create_channel.h"
#include "scimctl/cli.h"
#include "scimctl/commands.h"
#include "sharding/shard_map.h"
#include "sharding/tenant_mover.h"

#include <chrono>

ABSL_FLAG(std::string, identity_server, "",
          "gRPC address of identity-service when it runs apart (default "
          "--server)");
ABSL_DECLARE_FLAG(int32_t, shard);
ABSL_FLAG(int32_t, to, -1, "tenant move: the identity shard to move the tenant to");
ABSL_FLAG(absl::Duration, freeze_timeout, absl::Seconds(30),
          "tenant move: how long the tenant's writes may be held while it is copied; past "
          "it, its shard takes writes again and the move fails (run it again)");
ABSL_FLAG(std::string, confirm, "", "tenant delete: the tenant's name again");
ABSL_FLAG(std::string, delete_mode, "", "tenant set: hard or soft");
ABSL_FLAG(int32_t, rate_limit, -1,
          "tenant set: requests per second per tenant (0 = unlimited)");
ABSL_FLAG(int32_t, rate_burst, -1, "tenant set: burst size");
ABSL_FLAG(std::string, unknown_attributes, "", "tenant set: ignore or reject");
ABSL_FLAG(std::optional<bool>, groups_as_roles, std::nullopt,
          "tenant set: true or false (group memberships also count as roles)");

namespace scimctl {
namespace {

int Create(const Session& session, const std::vector<std::string>& args) {
  const int shard = absl::GetFlag(FLAGS_shard);
  std::unique_ptr<scim::sharding::EtcdClient> etcd = EtcdFromFlag();
  if (shard >= 0 && etcd == nullptr) {
    std::cerr << "scimctl: --shard places a tenant in the shard map: give --etcd too\n";
    return kUsage;
  }
  std::unique_ptr<scim::sharding::ShardMap> map;
  if (etcd != nullptr) {
    // A tenant token-service knows already keeps its place (absent from the
    // map: shard 0); only a new one is placed, before it exists, so that no
    // shard serves it before its place is recorded.
    scim::v1::GetTenantRequest get;
    get.set_id(args[2]);
    scim::v1::Tenant existing;
    grpc::Status s = session.tokens->GetTenant(AdminContext(session.token).get(), get, &existing);
    if (s.ok()) return Fail("tenant " + args[2] + " already exists");
    if (s.error_code() != grpc::StatusCode::NOT_FOUND) return Fail(s);
    auto started = scim::sharding::ShardMap::Start(std::move(etcd));
    if (!started.ok()) return Fail(std::string(started.status().message()));
    map = std::move(*started);
    // Only a shard that answers takes a new tenant (a removed shard may
    // still be registered).
    scim::sharding::ShardMap* shards = map.get();
    auto placed = map->PlaceTenant(args[2], shard, [&](int n) {
      std::optional<std::string> address = shards->Address(n);
      return address.has_value() &&
             grpc::CreateChannel(*address, session.creds)
                 ->WaitForConnected(std::chrono::system_clock::now() + std::chrono::seconds(2));
    });
    if (!placed.ok()) return Fail(placed.status());
    std::cerr << "placed on identity shard " << placed->shard << "\n";
  }
  scim::v1::CreateTenantRequest request;
  request.set_id(args[2]);
  scim::v1::Tenant tenant;
  grpc::Status s = session.tokens->CreateTenant(
      AdminContext(session.token).get(), request, &tenant);
  if (!s.ok()) {
    if (map != nullptr) (void)map->RemoveTenant(args[2]);
    return Fail(s);
  }
  std::cout << tenant.id() << "\n";
  return 0;
}

int List(const Session& session, const std::vector<std::string>&) {
  scim::v1::ListTenantsResponse response;
  grpc::Status s = session.tokens->ListTenants(
      AdminContext(session.token).get(), {}, &response);
  if (!s.ok()) return Fail(s);
  PrintListing(response.tenants(), [](const scim::v1::Tenant& t) {
    return t.id() + " " + Time(t.created()) + " " + (t.disabled() ? "disabled" : "enabled");
  });
  return 0;
}

int Get(const Session& session, const std::vector<std::string>& args) {
  scim::v1::GetTenantRequest request;
  request.set_id(args[2]);
  scim::v1::Tenant tenant;
  grpc::Status s = session.tokens->GetTenant(AdminContext(session.token).get(),
                                             request, &tenant);
  if (!s.ok()) return Fail(s);
  std::cout << ToJson(tenant) << "\n";
  return 0;
}

// `tenant disable NAME` and `tenant enable NAME`.
int SetDisabled(const Session& session, const std::vector<std::string>& args) {
  scim::v1::SetTenantDisabledRequest request;
  request.set_id(args[2]);
  request.set_disabled(args[1] == "disable");
  scim::v1::Tenant tenant;
  grpc::Status s = session.tokens->SetTenantDisabled(
      AdminContext(session.token).get(), request, &tenant);
  if (!s.ok()) return Fail(s);
  // The change goes into the tenant's event feed too. Recording a state the
  // feed already shows adds nothing, so running the command again after a
  // failure here is safe.
  auto events = scim::v1::EventService::NewStub(IdentityChannel(session, args[2]));
  scim::v1::RecordTenantStateRequest record;
  record.set_tenant(args[2]);
  record.set_disabled(request.disabled());
  scim::v1::RecordTenantStateResponse recorded;
  s = events->RecordTenantState(AdminContext(session.token).get(), record, &recorded);
  if (!s.ok()) {
    return Fail("the tenant's state changed, but its event could not be recorded (" +
                s.error_message() + "); run the command again");
  }
  return 0;
}

int Delete(const Session& session, const std::vector<std::string>& args) {
  if (absl::GetFlag(FLAGS_confirm) != args[2]) {
    std::cerr << "scimctl: deleting a tenant erases all its data; repeat its "
                 "name: --confirm="
              << args[2] << "\n";
    return 2;
  }
  auto identity = scim::v1::IdentityService::NewStub(IdentityChannel(session, args[2]));
  // The tenant must exist; its data goes first, then its credentials.
  scim::v1::GetTenantRequest get;
  get.set_id(args[2]);
  scim::v1::Tenant existing;
  grpc::Status s = session.tokens->GetTenant(AdminContext(session.token).get(),
                                             get, &existing);
  if (!s.ok()) return Fail(s);
  scim::v1::DeleteTenantDataRequest purge;
  purge.set_tenant(args[2]);
  scim::v1::DeleteTenantDataResponse purged;
  s = identity->DeleteTenantData(AdminContext(session.token).get(), purge,
                                 &purged);
  if (!s.ok()) return Fail(s);
  scim::v1::DeleteTenantRequest request;
  request.set_id(args[2]);
  scim::v1::DeleteTenantResponse deleted;
  s = session.tokens->DeleteTenant(AdminContext(session.token).get(), request,
                                   &deleted);
  if (!s.ok()) return Fail(s);
  // Its place in the shard map goes last: until then its shard still serves it.
  if (std::unique_ptr<scim::sharding::EtcdClient> etcd = EtcdFromFlag(); etcd != nullptr) {
    auto map = scim::sharding::ShardMap::Start(std::move(etcd));
    absl::Status removed = map.ok() ? (*map)->RemoveTenant(args[2]) : map.status();
    if (!removed.ok()) {
      return Fail("the tenant is deleted, but its shard map entry stays (" +
                  std::string(removed.message()) + "); run the command again");
    }
  }
  return 0;
}

int Set(const Session& session, const std::vector<std::string>& args) {
  scim::v1::UpdateTenantSettingsRequest request;
  request.set_id(args[2]);
  if (!absl::GetFlag(FLAGS_delete_mode).empty()) {
    request.set_delete_mode(absl::GetFlag(FLAGS_delete_mode));
  }
  if (absl::GetFlag(FLAGS_rate_limit) >= 0) {
    request.set_rate_limit(absl::GetFlag(FLAGS_rate_limit));
  }
  if (absl::GetFlag(FLAGS_rate_burst) >= 0) {
    request.set_rate_burst(absl::GetFlag(FLAGS_rate_burst));
  }
  if (!absl::GetFlag(FLAGS_unknown_attributes).empty()) {
    request.set_unknown_attributes(absl::GetFlag(FLAGS_unknown_attributes));
  }
  if (const std::optional<bool> on = absl::GetFlag(FLAGS_groups_as_roles)) {
    request.set_groups_as_roles(*on);
  }
  scim::v1::Tenant tenant;
  grpc::Status s = session.tokens->UpdateTenantSettings(
      AdminContext(session.token).get(), request, &tenant);
  return s.ok() ? 0 : Fail(s);
}

// `tenant move --tenant=T --to=N`: progress on stderr, exit 0 once shard N
// serves the tenant.
int Move(const Session& session, const std::vector<std::string>&) {
  const std::string tenant = RequireTenant();
  if (absl::GetFlag(FLAGS_to) < 0) {
    std::cerr << "scimctl: --to is required (the identity shard to move the tenant to)\n";
    return kUsage;
  }
  std::unique_ptr<scim::sharding::EtcdClient> etcd = EtcdFromFlag();
  if (etcd == nullptr) {
    std::cerr << "scimctl: tenant move needs --etcd (the shard map)\n";
    return kUsage;
  }
  auto map = scim::sharding::ShardMap::Start(std::move(etcd));
  if (!map.ok()) {
    std::cerr << "scimctl: " << map.status().message() << "\n";
    return kUnreachable;
  }
  scim::sharding::MoveOptions options;
  options.tenant = tenant;
  options.to = absl::GetFlag(FLAGS_to);
  options.freeze_timeout = absl::GetFlag(FLAGS_freeze_timeout);
  options.credentials = session.creds;
  options.make_context = [&session] {
    auto context = AdminContext(session.token);
    // A large tenant's copy takes longer than an ordinary call.
    context->set_deadline(std::chrono::system_clock::now() + std::chrono::hours(1));
    return context;
  };
  options.progress = [](const std::string& line) { std::cerr << line << std::endl; };
  auto moved = scim::sharding::MoveTenant(**map, options);
  if (!moved.ok()) return Fail(moved.status());
  if (moved->already_there) {
    std::cerr << tenant << " is served by shard " << options.to << "\n";
  } else {
    std::cerr << "moved " << tenant << " from shard " << moved->from << " to shard " << options.to
              << ": " << moved->rows << " rows; writes refused for "
              << absl::FormatDuration(moved->frozen) << ", " << absl::FormatDuration(moved->total)
              << " in all\n";
  }
  return 0;
}

}  // namespace

int RunTenantCommand(const Session& session,
                     const std::vector<std::string>& args) {
  static const std::vector<Command> kCommands = {
      {"create", 3, Create},       {"list", 2, List},
      {"get", 3, Get},             {"disable", 3, SetDisabled},
      {"enable", 3, SetDisabled},  {"delete", 3, Delete},
      {"set", 3, Set},             {"move", 2, Move},
  };
  return Dispatch(kCommands, session, args);
}

}  // namespace scimctl
