// Backups end to end inside one process: BackupServiceImpl over real RocksDB
// stores behind a loopback gRPC server, CreateBackup, VerifyBackup on whole
// and damaged copies, and RestoreBackup into an empty data directory.
#include "backup/backup_archive.h"

#include <filesystem>
#include <fstream>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "backup/backup_service.h"
#include "common/server.h"
#include "grpcpp/create_channel.h"
#include "gtest/gtest.h"

namespace scim::backup {
namespace {

namespace fs = std::filesystem;

constexpr char kAdmin[] = "admin-token-for-backup-tests";

std::string FreshDir(const std::string& name) {
  const std::string dir = (fs::temp_directory_path() /
                           absl::StrCat("backup_test_", name, "_", getpid())).string();
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

// The files under `dir` with their sizes: what a read-only check must not change.
std::map<std::string, uintmax_t> Listing(const std::string& dir) {
  std::map<std::string, uintmax_t> out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.is_regular_file()) out[fs::relative(e.path(), dir).string()] = e.file_size();
  }
  return out;
}

class BackupArchiveTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = FreshDir(::testing::UnitTest::GetInstance()->current_test_info()->name());
    data_ = root_ + "/data";
    backups_ = root_ + "/backups";
    for (const char* part : {"identity", "token"}) {
      auto kv = OpenRocksDbKvStore(data_ + "/" + part, {"things"}, InDataFormat({part, 1}));
      ASSERT_TRUE(kv.ok()) << kv.status();
      stores_[part] = std::move(*kv);
    }
    ASSERT_TRUE(Put("identity", "alice", "1").ok());
    ASSERT_TRUE(Put("token", "key", "secret").ok());
    service_ = std::make_unique<BackupServiceImpl>(
        kAdmin, std::vector<SnapshotSource>{
                    SourceOf("identity", *stores_["identity"], {"identity", 1}, data_ + "/identity"),
                    SourceOf("token", *stores_["token"], {"token", 1}, data_ + "/token")});
    int port = 0;
    auto server = StartGrpcServer("127.0.0.1:0", {service_.get()}, &port);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    address_ = absl::StrCat("127.0.0.1:", port);
    channel_ = grpc::CreateChannel(address_, grpc::InsecureChannelCredentials());
  }

  void TearDown() override {
    server_->Shutdown();
    server_.reset();
    stores_.clear();
    fs::remove_all(root_);
  }

  absl::Status Put(const std::string& part, const std::string& key, const std::string& value) {
    return RunInTransaction(*stores_[part], [&](KvTransaction& txn) {
      return txn.Put("things", key, value);
    });
  }

  CreateOptions Options(const std::string& token = kAdmin) {
    CreateOptions options;
    options.dir = backups_;
    options.now = absl::FromUnixSeconds(1796281262);
    options.id = NewBackupId(options.now, "\x3f\xa9");
    options.version = "test";
    options.make_context = [token] {
      auto context = std::make_unique<grpc::ClientContext>();
      context->AddMetadata("authorization", "Bearer " + token);
      return context;
    };
    return options;
  }

  std::string root_, data_, backups_, address_;
  std::map<std::string, std::unique_ptr<KvStore>> stores_;
  std::unique_ptr<BackupServiceImpl> service_;
  std::unique_ptr<grpc::Server> server_;
  std::shared_ptr<grpc::Channel> channel_;
};

TEST_F(BackupArchiveTest, CreateVerifyRestore) {
  auto manifest = CreateBackup(Options(), {{address_, channel_}});
  ASSERT_TRUE(manifest.ok()) << manifest.status();
  EXPECT_EQ(manifest->id, "20261203T070102Z-3fa9");
  ASSERT_EQ(manifest->parts.size(), 2u);
  EXPECT_EQ(manifest->parts[0].DirName(), "identity");
  EXPECT_EQ(manifest->parts[0].format, "identity 1");
  EXPECT_EQ(manifest->parts[0].source, address_);
  // The scratch checkpoints are gone.
  EXPECT_FALSE(fs::exists(data_ + "/identity.snapshot"));
  // Written after the backup: not in it.
  ASSERT_TRUE(Put("identity", "bob", "2").ok());

  auto listed = ListBackups(backups_);
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].id, manifest->id);
  EXPECT_EQ((*listed)[0].created, "2026-12-03T07:01:02Z");

  const auto before = Listing(backups_);
  ASSERT_TRUE(VerifyBackup(backups_, manifest->id).ok());
  EXPECT_EQ(Listing(backups_), before) << "verifying must not change the backup";

  // Restore into a fresh data directory and read what was there.
  const std::string restored_dir = root_ + "/restored";
  auto restored = RestoreBackup({backups_, manifest->id, restored_dir, {}, -1});
  ASSERT_TRUE(restored.ok()) << restored.status();
  EXPECT_EQ(*restored, (std::vector<std::string>{"identity", "token"}));
  auto kv = OpenRocksDbKvStore(restored_dir + "/identity", {"things"},
                               InDataFormat({"identity", 1}));
  ASSERT_TRUE(kv.ok()) << kv.status();
  EXPECT_EQ(*(*kv)->Get("things", "alice"), std::optional<std::string>("1"));
  EXPECT_EQ(*(*kv)->Get("things", "bob"), std::nullopt);
  auto token = OpenRocksDbKvStore(restored_dir + "/token", {"things"}, InDataFormat({"token", 1}));
  ASSERT_TRUE(token.ok()) << token.status();
  EXPECT_EQ(*(*token)->Get("things", "key"), std::optional<std::string>("secret"));

  // Never over live data.
  auto again = RestoreBackup({backups_, manifest->id, restored_dir, {}, -1});
  EXPECT_EQ(again.status().code(), absl::StatusCode::kFailedPrecondition);
  // Only one part, into another directory.
  auto only = RestoreBackup({backups_, manifest->id, root_ + "/only", {"token"}, -1});
  ASSERT_TRUE(only.ok()) << only.status();
  EXPECT_EQ(*only, std::vector<std::string>{"token"});
  EXPECT_FALSE(fs::exists(root_ + "/only/identity"));
}

TEST_F(BackupArchiveTest, DamageIsFound) {
  auto manifest = CreateBackup(Options(), {{address_, channel_}});
  ASSERT_TRUE(manifest.ok()) << manifest.status();
  const std::string part = backups_ + "/" + manifest->id + "/identity/";
  std::string sst;
  for (const auto& f : manifest->parts[0].files) {
    if (f.path.find(".sst") != std::string::npos) sst = f.path;
  }
  ASSERT_FALSE(sst.empty());
  {
    std::fstream file(part + sst, std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(10);
    file.put('\x7f');
  }
  auto verified = VerifyBackup(backups_, manifest->id);
  EXPECT_EQ(verified.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(verified.status().message().find(sst), std::string::npos) << verified.status();
  EXPECT_FALSE(RestoreBackup({backups_, manifest->id, root_ + "/r", {}, -1}).ok());
  EXPECT_FALSE(fs::exists(root_ + "/r/identity"));

  fs::remove(part + sst);
  EXPECT_EQ(VerifyBackup(backups_, manifest->id).status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(VerifyBackup(backups_, "20990101T000000Z-0000").status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(VerifyBackup(backups_, "../data").status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(BackupArchiveTest, TheManifestMustMatchTheDatabase) {
  auto manifest = CreateBackup(Options(), {{address_, channel_}});
  ASSERT_TRUE(manifest.ok()) << manifest.status();
  // A manifest edited to call the identity database the token one's format.
  BackupManifest edited = *manifest;
  edited.parts[0].format = "token 1";
  const std::string path = backups_ + "/" + manifest->id + "/manifest.json";
  fs::remove(path);
  std::ofstream(path) << ToJson(edited);
  EXPECT_EQ(VerifyBackup(backups_, manifest->id).status().code(), absl::StatusCode::kDataLoss);
}

TEST_F(BackupArchiveTest, OnlyTheAdminTakesSnapshots) {
  auto refused = CreateBackup(Options("not-the-admin"), {{address_, channel_}});
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kUnauthenticated) << refused.status();
  // Nothing is listed, nothing is left behind.
  auto listed = ListBackups(backups_);
  ASSERT_TRUE(listed.ok());
  EXPECT_TRUE(listed->empty());
  EXPECT_TRUE(fs::is_empty(backups_));
}

TEST_F(BackupArchiveTest, APartFromTwoServersIsRefused) {
  // The same process named twice (e.g. --identity_server pointing at --server
  // through another address): its parts would be taken twice.
  auto twice = CreateBackup(Options(), {{address_, channel_}, {"other", channel_}});
  EXPECT_EQ(twice.status().code(), absl::StatusCode::kFailedPrecondition) << twice.status();
  EXPECT_TRUE(fs::is_empty(backups_));
}

TEST_F(BackupArchiveTest, AnUnreachableServerFailsTheBackupWhole) {
  auto channel = grpc::CreateChannel("127.0.0.1:1", grpc::InsecureChannelCredentials());
  auto failed = CreateBackup(Options(), {{address_, channel_}, {"127.0.0.1:1", channel}});
  EXPECT_EQ(failed.status().code(), absl::StatusCode::kUnavailable) << failed.status();
  EXPECT_TRUE(fs::is_empty(backups_));
}

TEST_F(BackupArchiveTest, ShardedIdentityRestoresOneShardAtATime) {
  // A second process: identity shard 3.
  const std::string shard_dir = root_ + "/shard3";
  auto kv = OpenRocksDbKvStore(shard_dir + "/identity", {"things"}, InDataFormat({"identity", 1}));
  ASSERT_TRUE(kv.ok());
  BackupServiceImpl shard_service(
      kAdmin, {SourceOf("identity", **kv, {"identity", 1}, shard_dir + "/identity", 3)});
  int port = 0;
  auto server = StartGrpcServer("127.0.0.1:0", {&shard_service}, &port);
  ASSERT_TRUE(server.ok());
  const std::string address = absl::StrCat("127.0.0.1:", port);
  auto manifest = CreateBackup(
      Options(), {{address, grpc::CreateChannel(address, grpc::InsecureChannelCredentials())}});
  (*server)->Shutdown();
  ASSERT_TRUE(manifest.ok()) << manifest.status();
  ASSERT_EQ(manifest->parts.size(), 1u);
  EXPECT_EQ(manifest->parts[0].DirName(), "identity-shard-3");
  // A shard goes back to its own shard's data directory: --shard is needed.
  auto ambiguous = RestoreBackup({backups_, manifest->id, root_ + "/r", {}, -1});
  EXPECT_EQ(ambiguous.status().code(), absl::StatusCode::kInvalidArgument) << ambiguous.status();
  auto missing = RestoreBackup({backups_, manifest->id, root_ + "/r", {}, 7});
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  auto one = RestoreBackup({backups_, manifest->id, root_ + "/r", {}, 3});
  ASSERT_TRUE(one.ok()) << one.status();
  EXPECT_EQ(*one, std::vector<std::string>{"identity-shard-3"});
}

}  // namespace
}  // namespace scim::backup
