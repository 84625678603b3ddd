// scimctl's backup commands: create (streams a snapshot from each stateful
// process into --dir), list, verify, restore (local: run with the services
// stopped, on the machine or volume that holds their --data_dir).
#include <algorithm>
#include <chrono>
#include <iostream>

#include "absl/flags/declare.h"
#include "absl/flags/flag.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "backup/backup_archive.h"
#include "common/random.h"
#include "common/status.h"
#include "common/version.h"
#include "nlohmann/json.hpp"
#include "scimctl/cli.h"
#include "scimctl/commands.h"
#include "sharding/shard_map.h"

ABSL_DECLARE_FLAG(std::string, server);
ABSL_DECLARE_FLAG(std::string, identity_server);
ABSL_DECLARE_FLAG(std::string, audit_server);
ABSL_DECLARE_FLAG(int32_t, shard);
ABSL_FLAG(std::string, dir, "", "backup: the directory that holds backups");
ABSL_FLAG(std::string, data_dir, "",
          "backup restore: the stopped service's --data_dir to restore into");
ABSL_FLAG(std::string, only, "",
          "backup restore: only these parts (identity,token,audit; default all)");
ABSL_FLAG(absl::Duration, backup_timeout, absl::Hours(6),
          "backup create: how long one process's snapshot may take to stream");
ABSL_DECLARE_FLAG(std::string, id);

namespace scimctl {
namespace {

// --dir, exiting 2 when it is missing.
std::string RequireDir() {
  std::string dir = absl::GetFlag(FLAGS_dir);
  if (dir.empty()) {
    std::cerr << "scimctl: --dir is required\n";
    std::exit(kUsage);
  }
  return dir;
}

// --id (the flag webhook commands also take).
std::string RequireId() {
  std::string id = absl::GetFlag(FLAGS_id);
  if (id.empty()) {
    std::cerr << "scimctl: --id is required\n";
    std::exit(kUsage);
  }
  return id;
}


int Create(const Session& session, const std::vector<std::string>&) {
  const std::string dir = RequireDir();
  // Every process that holds a database, once: scimd holds all three at
  // --server; with --etcd, every registered identity shard.
  std::vector<std::string> addresses = {absl::GetFlag(FLAGS_server)};
  std::vector<std::string> others = {absl::GetFlag(FLAGS_identity_server),
                                     absl::GetFlag(FLAGS_audit_server)};
  if (std::unique_ptr<scim::sharding::EtcdClient> etcd = EtcdFromFlag(); etcd != nullptr) {
    auto map = scim::sharding::ShardMap::Start(std::move(etcd));
    if (!map.ok()) return Fail(map.status());
    others = {absl::GetFlag(FLAGS_audit_server)};
    for (const auto& [shard, address] : (*map)->Shards()) others.push_back(address);
  }
  for (const std::string& addr : others) {
    if (!addr.empty() && std::find(addresses.begin(), addresses.end(), addr) == addresses.end()) {
      addresses.push_back(addr);
    }
  }
  std::vector<scim::backup::SnapshotServer> servers;
  for (const std::string& addr : addresses) {
    servers.push_back({addr, addr == absl::GetFlag(FLAGS_server) ? session.channel
                                                                  : ChannelOr(session, addr)});
  }
  scim::backup::CreateOptions options;
  options.dir = dir;
  options.now = absl::Now();
  options.id = scim::backup::NewBackupId(options.now, scim::RandomSource::Secure()->Bytes(2));
  options.version = std::string(scim::Version());
  const absl::Duration timeout = absl::GetFlag(FLAGS_backup_timeout);
  options.make_context = [&] {
    auto context = AdminContext(session.token);
    context->set_deadline(std::chrono::system_clock::now() + absl::ToChronoSeconds(timeout));
    return context;
  };
  options.progress = [](const std::string& line) { std::cerr << line << "\n"; };
  auto manifest = scim::backup::CreateBackup(options, servers);
  if (!manifest.ok()) return Fail(manifest.status());
  std::cout << manifest->id << std::endl;
  return 0;
}

int List(const Session&, const std::vector<std::string>&) {
  auto backups = scim::backup::ListBackups(RequireDir());
  if (!backups.ok()) return Fail(backups.status());
  nlohmann::json all = nlohmann::json::array();
  for (const auto& b : *backups) {
    std::vector<std::string> parts;
    int64_t bytes = 0;
    for (const auto& part : b.parts) {
      parts.push_back(part.DirName());
      bytes += part.Bytes();
    }
    if (JsonOutput()) {
      all.push_back({{"id", b.id}, {"created", b.created}, {"version", b.version},
                     {"parts", parts}, {"bytes", bytes}});
    } else {
      std::cout << b.id << " " << (b.created.empty() ? "-" : b.created) << " "
                << (parts.empty() ? "unreadable" : absl::StrJoin(parts, ",")) << " " << bytes
                << "\n";
    }
  }
  if (JsonOutput()) std::cout << all.dump() << "\n";
  std::cout << std::flush;
  return 0;
}

int Verify(const Session&, const std::vector<std::string>&) {
  const std::string dir = RequireDir();
  auto manifest = scim::backup::VerifyBackup(dir, RequireId());
  if (!manifest.ok()) return Fail(manifest.status());
  std::cout << "ok" << std::endl;
  return 0;
}

int Restore(const Session&, const std::vector<std::string>&) {
  scim::backup::RestoreOptions options;
  options.dir = RequireDir();
  options.id = RequireId();
  options.data_dir = absl::GetFlag(FLAGS_data_dir);
  if (options.data_dir.empty()) {
    std::cerr << "scimctl: --data_dir is required (the stopped service's data directory)\n";
    return kUsage;
  }
  for (absl::string_view part : absl::StrSplit(absl::GetFlag(FLAGS_only), ',', absl::SkipEmpty())) {
    if (part != "identity" && part != "token" && part != "audit") {
      std::cerr << "scimctl: --only takes identity, token and audit\n";
      return kUsage;
    }
    options.only.emplace_back(part);
  }
  options.shard = absl::GetFlag(FLAGS_shard);
  auto restored = scim::backup::RestoreBackup(options);
  if (!restored.ok()) return Fail(restored.status());
  std::cerr << "restored " << absl::StrJoin(*restored, ", ") << " into " << options.data_dir
            << "\n";
  return 0;
}

}  // namespace

int RunBackupCommand(const Session& session, const std::vector<std::string>& args) {
  static const std::vector<Command> kTable = {
      {"create", 2, Create}, {"list", 2, List}, {"verify", 2, Verify}, {"restore", 2, Restore}};
  return Dispatch(kTable, session, args);
}

}  // namespace scimctl
