// Backups across processes, as an operator takes them on Kubernetes:
// `scimctl backup create` against audit-, token- and identity-service running
// apart, under write load; then the data directory is destroyed, the backup
// verified and restored, and the restarted services hold every write
// acknowledged before the backup, with the old API key working and the audit
// chain verifying.
#include <signal.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <mutex>
#include <set>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "nlohmann/json.hpp"
#include "tests/test_process.h"

namespace scim::testing {
namespace {

namespace fs = std::filesystem;

std::string CreateUser(httplib::Client& http, const std::string& key, const std::string& name) {
  auto res = http.Post("/t/acme/scim/v2/Users", {{"Authorization", "Bearer " + key}},
                       absl::StrCat(R"({"userName":")", name, R"("})"), "application/scim+json");
  if (!res || res->status != 201) return "";
  return nlohmann::json::parse(res->body)["id"];
}

void StopAll(SplitDeployment& d) {
  for (auto* p : {&d.edge, &d.identity, &d.token, &d.audit}) {
    (*p)->Signal(SIGTERM);
    EXPECT_EQ((*p)->Wait(), 0);
    p->reset();
  }
}

TEST(BackupRestoreTest, RestoreBringsBackEveryWriteAcknowledgedBeforeTheBackup) {
  const std::string dir = MakeTempDir("backup_restore");
  auto split = StartSplitDeployment(dir);
  ASSERT_TRUE(split.ok()) << split.status();
  int code = 0;
  split->ctl.Run("tenant create acme", &code);
  ASSERT_EQ(code, 0);
  std::string key = split->ctl.Run("key create --tenant=acme", &code);
  ASSERT_EQ(code, 0);
  key = key.substr(0, key.find('\n'));

  httplib::Client http("127.0.0.1", split->http_port);
  http.set_tcp_nodelay(true);
  std::vector<std::string> before;
  for (int i = 0; i < 150; ++i) {
    before.push_back(CreateUser(http, key, absl::StrCat("before-", i)));
    ASSERT_FALSE(before.back().empty());
  }

  // Writers keep going while the backup streams: it must neither fail them
  // nor come out torn.
  std::atomic<bool> stop{false};
  std::atomic<int> failed{0};
  std::thread writer([&] {
    httplib::Client client("127.0.0.1", split->http_port);
    client.set_tcp_nodelay(true);
    for (int i = 0; !stop; ++i) {
      if (CreateUser(client, key, absl::StrCat("during-", i)).empty()) ++failed;
    }
  });
  const std::string backups = dir + "/backups";
  const std::string servers =
      absl::StrCat("--identity_server=127.0.0.1:", split->identity->Field("grpc_port"),
                   " --audit_server=", split->audit_addr);
  std::string id = split->ctl.Run("backup create --dir=" + backups + " " + servers, &code);
  stop = true;
  writer.join();
  ASSERT_EQ(code, 0) << id;
  id = id.substr(0, id.find('\n'));
  EXPECT_EQ(failed.load(), 0);

  std::vector<std::string> after;
  for (int i = 0; i < 20; ++i) after.push_back(CreateUser(http, key, absl::StrCat("after-", i)));

  // A second backup with the wrong admin token is refused, and leaves nothing.
  ScimCtl stranger = split->ctl;
  const std::string wrong_token = dir + "/wrong.token";
  std::ofstream(wrong_token) << "not-the-admin-token-0123456789abcdef";
  stranger.token_file = wrong_token;
  stranger.Run("backup create --dir=" + backups + " " + servers, &code);
  EXPECT_EQ(code, 1);

  std::string listed = split->ctl.Run("backup list --dir=" + backups, &code);
  ASSERT_EQ(code, 0);
  EXPECT_TRUE(absl::StartsWith(listed, id + " ")) << listed;
  // --server (token-service) first, then --identity_server, --audit_server.
  EXPECT_TRUE(absl::StrContains(listed, " token,identity,audit ")) << listed;
  EXPECT_EQ(std::count(listed.begin(), listed.end(), '\n'), 1) << listed;

  StopAll(*split);
  auto read = [](const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  const std::string signing_key = read(dir + "/data/audit/signing.key");
  ASSERT_FALSE(signing_key.empty());
  // The disk is lost.
  fs::remove_all(dir + "/data");

  EXPECT_EQ(split->ctl.Run("backup verify --dir=" + backups + " --id=" + id, &code), "ok\n");
  EXPECT_EQ(code, 0);
  split->ctl.Run("backup restore --dir=" + backups + " --id=" + id, &code);
  EXPECT_EQ(code, 2) << "--data_dir is required";
  split->ctl.Run("backup restore --dir=" + backups + " --id=" + id + " --data_dir=" + dir + "/data",
                 &code);
  ASSERT_EQ(code, 0);
  split->ctl.Run("backup restore --dir=" + backups + " --id=" + id + " --data_dir=" + dir + "/data",
                 &code);
  EXPECT_EQ(code, 1) << "a restore never writes over data";

  // The audit trail's signing key comes back with it (checkpoints verify).
  EXPECT_EQ(read(dir + "/data/audit/signing.key"), signing_key);
  auto again = StartSplitDeployment(dir);
  ASSERT_TRUE(again.ok()) << again.status();
  httplib::Client restored("127.0.0.1", again->http_port);
  const httplib::Headers auth = {{"Authorization", "Bearer " + key}};
  int missing = 0;
  for (const auto& user : before) {
    auto res = restored.Get(("/t/acme/scim/v2/Users/" + user).c_str(), auth);
    if (!res || res->status != 200) ++missing;
  }
  EXPECT_EQ(missing, 0) << "of " << before.size() << " (the API key is restored too)";
  int present_after = 0;
  for (const auto& user : after) {
    auto res = restored.Get(("/t/acme/scim/v2/Users/" + user).c_str(), auth);
    if (res && res->status == 200) ++present_after;
  }
  EXPECT_EQ(present_after, 0) << "written after the backup";
  // The restored directory accepts writes.
  EXPECT_FALSE(CreateUser(restored, key, "after-restore").empty());

  std::string verified;
  for (int attempt = 0; attempt < 50; ++attempt) {
    verified = again->ctl.Run("audit verify --tenant=acme", &code);
    if (code == 0) break;
    absl::SleepFor(absl::Milliseconds(100));
  }
  EXPECT_EQ(code, 0) << verified;
  EXPECT_TRUE(absl::StartsWith(verified, "ok ")) << verified;
  // Every create acknowledged before the backup is in the restored trail.
  std::string exported = again->ctl.Run("audit export --tenant=acme --operation=user.create", &code);
  ASSERT_EQ(code, 0);
  std::set<std::string> audited;
  for (absl::string_view line : absl::StrSplit(exported, '\n', absl::SkipEmpty())) {
    audited.insert(nlohmann::json::parse(line)["resourceId"].get<std::string>());
  }
  int unaudited = 0;
  for (const auto& user : before) unaudited += audited.count(user) == 0;
  EXPECT_EQ(unaudited, 0);
}

TEST(BackupRestoreTest, DamagedBackupsAndBadArgumentsAreRefused) {
  const std::string dir = MakeTempDir("backup_refusals");
  auto demo = StartDemo(dir);
  ASSERT_TRUE(demo.ok()) << demo.status();
  const ScimCtl ctl{absl::StrCat("127.0.0.1:", demo->grpc_port), "", dir + "/data/admin.token"};
  int code = 0;
  ctl.Run("backup create", &code);
  EXPECT_EQ(code, 2) << "--dir is required";
  ctl.Run("backup verify --dir=" + dir, &code);
  EXPECT_EQ(code, 2) << "--id is required";
  const std::string backups = dir + "/backups";
  std::string id = ctl.Run("backup create --dir=" + backups, &code);
  ASSERT_EQ(code, 0);
  id = id.substr(0, id.find('\n'));
  EXPECT_EQ(ctl.Run("backup verify --dir=" + backups + " --id=" + id, &code), "ok\n");
  std::string json = ctl.Run("backup list --output=json --dir=" + backups, &code);
  ASSERT_EQ(code, 0);
  auto listed = nlohmann::json::parse(json);
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0]["id"], id);
  EXPECT_EQ(listed[0]["parts"], nlohmann::json({"identity", "token", "audit"}));

  // One flipped byte in any file is found.
  std::string victim;
  for (const auto& e : fs::recursive_directory_iterator(backups + "/" + id + "/token")) {
    if (e.path().extension() == ".sst") victim = e.path();
  }
  ASSERT_FALSE(victim.empty());
  {
    std::fstream f(victim, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(0);
    f.put('\x01');
  }
  ctl.Run("backup verify --dir=" + backups + " --id=" + id, &code);
  EXPECT_EQ(code, 1);
  ctl.Run("backup restore --dir=" + backups + " --id=" + id + " --data_dir=" + dir + "/fresh",
          &code);
  EXPECT_EQ(code, 1);
  EXPECT_FALSE(fs::exists(dir + "/fresh/token"));
  ctl.Run("backup verify --dir=" + backups + " --id=../../etc", &code);
  EXPECT_EQ(code, 1);
}

}  // namespace
}  // namespace scim::testing
