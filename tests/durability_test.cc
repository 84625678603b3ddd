// kill -9 at an arbitrary moment loses no acknowledged write.
#include <signal.h>

#include <atomic>
#include <cstdlib>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "nlohmann/json.hpp"
#include "tests/test_process.h"

namespace scim::testing {
namespace {

TEST(DurabilityTest, AcknowledgedCreatesSurviveSigkill) {
  const std::string dir = MakeTempDir("durability");
  const std::vector<std::string> args = {
      "--data_dir=" + dir + "/data", "--http_addr=127.0.0.1:0",
      "--grpc_addr=127.0.0.1:0", "--access_log=false", "--demo"};
  auto scimd = TestProcess::Start("scimd", args, dir);
  ASSERT_TRUE(scimd.ok()) << scimd.status();
  std::string out = (*scimd)->Stdout();
  std::string key = out.substr(out.find("scim_"));
  key = key.substr(0, key.find('\n'));
  const int port = std::stoi((*scimd)->Field("http_port"));

  std::mutex mu;
  std::vector<std::string> acknowledged;
  std::atomic<bool> stop{false};
  std::vector<std::thread> clients;
  for (int c = 0; c < 6; ++c) {
    clients.emplace_back([&, c] {
      httplib::Client http("127.0.0.1", port);
      http.set_connection_timeout(2);
      http.set_read_timeout(5);
      for (int i = 0; !stop; ++i) {
        auto res = http.Post(
            "/t/demo/scim/v2/Users", {{"Authorization", "Bearer " + key}},
            absl::StrCat(R"({"userName":"c)", c, "-", i, R"("})"),
            "application/scim+json");
        if (!res) break;  // the server is gone
        if (res->status == 201) {
          std::lock_guard<std::mutex> lock(mu);
          acknowledged.push_back(nlohmann::json::parse(res->body)["id"]);
        }
      }
    });
  }
  WaitUntil([&] {
    std::lock_guard<std::mutex> lock(mu);
    return acknowledged.size() > 100;
  }, absl::Seconds(30));
  (*scimd)->Signal(SIGKILL);  // mid-load, no warning
  stop = true;
  for (auto& t : clients) t.join();
  (*scimd)->Wait();
  ASSERT_GT(acknowledged.size(), 20u) << "too little load to mean anything";

  auto again = TestProcess::Start(
      "scimd", {"--data_dir=" + dir + "/data", "--http_addr=127.0.0.1:0",
                "--grpc_addr=127.0.0.1:0", "--access_log=false", "--demo"},
      dir);
  ASSERT_TRUE(again.ok()) << again.status();
  out = (*again)->Stdout();
  key = out.substr(out.find("scim_"));
  key = key.substr(0, key.find('\n'));
  httplib::Client http("127.0.0.1", std::stoi((*again)->Field("http_port")));
  int missing = 0;
  for (const auto& id : acknowledged) {
    auto res = http.Get(("/t/demo/scim/v2/Users/" + id).c_str(),
                        {{"Authorization", "Bearer " + key}});
    if (!res || res->status != 200) ++missing;
  }
  EXPECT_EQ(missing, 0) << "of " << acknowledged.size() << " acknowledged";
  auto list = http.Get("/t/demo/scim/v2/Users?count=0",
                       {{"Authorization", "Bearer " + key}});
  ASSERT_TRUE(list);
  EXPECT_GE(nlohmann::json::parse(list->body)["totalResults"].get<size_t>(),
            acknowledged.size());
}

// What the writers were told succeeded. A write that was sent but not
// acknowledged may or may not be there; an acknowledged one must be.
struct Acknowledged {
  std::mutex mu;
  std::set<std::string> users;
  // user id -> the highest `title` sequence acknowledged by a PATCH.
  std::map<std::string, int> titles;
  // group id -> members whose add was acknowledged.
  std::map<std::string, std::set<std::string>> members;
};

int Trials() {
  const char* env = std::getenv("SCIM_CRASH_TRIALS");
  return env != nullptr && std::atoi(env) > 0 ? std::atoi(env) : 3;
}

// Several kill -9 trials of scimd under mixed acknowledged writes from 8
// writers (creates, PATCHes of a user's title, group member adds), each
// followed by a restart that must show every acknowledged write. More trials:
// SCIM_CRASH_TRIALS=20.
TEST(DurabilityTest, MixedWritesFrom8WritersSurviveRepeatedSigkill) {
  const std::string dir = MakeTempDir("crash_trials");
  auto first = StartDemo(dir);
  ASSERT_TRUE(first.ok()) << first.status();
  Demo demo = std::move(*first);
  const auto auth = [&] {
    return httplib::Headers{{"Authorization", "Bearer " + demo.key}};
  };
  std::vector<std::string> groups;
  {
    httplib::Client http("127.0.0.1", demo.port);
    for (int g = 0; g < 4; ++g) {
      auto res = http.Post("/t/demo/scim/v2/Groups", auth(),
                           absl::StrCat(R"({"displayName":"crash-group-)", g, R"("})"),
                           "application/scim+json");
      ASSERT_TRUE(res && res->status == 201);
      groups.push_back(nlohmann::json::parse(res->body)["id"]);
    }
  }
  Acknowledged acked;
  std::mt19937 rng(std::random_device{}());
  const int trials = Trials();
  for (int trial = 0; trial < trials; ++trial) {
    std::atomic<bool> stop{false};
    std::vector<std::thread> writers;
    for (int w = 0; w < 8; ++w) {
      writers.emplace_back([&, w] {
        httplib::Client http("127.0.0.1", demo.port);
        http.set_connection_timeout(2);
        http.set_read_timeout(5);
        std::vector<std::string> mine;  // this writer's acknowledged users
        for (int i = 0; !stop; ++i) {
          const int kind = mine.empty() ? 0 : i % 3;
          if (kind == 0) {
            auto res = http.Post(
                "/t/demo/scim/v2/Users", auth(),
                absl::StrCat(R"({"userName":"t)", trial, "-w", w, "-", i, R"("})"),
                "application/scim+json");
            if (!res) return;  // the server is gone
            if (res->status != 201) continue;
            const std::string id = nlohmann::json::parse(res->body)["id"];
            mine.push_back(id);
            std::lock_guard<std::mutex> lock(acked.mu);
            acked.users.insert(id);
          } else if (kind == 1) {
            // Only this writer patches its users, so titles only grow.
            const std::string& id = mine[i % mine.size()];
            auto res = http.Patch(
                ("/t/demo/scim/v2/Users/" + id).c_str(), auth(),
                absl::StrCat(R"({"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],)",
                             R"("Operations":[{"op":"replace","path":"title","value":")",
                             trial * 1000000 + i, R"("}]})"),
                "application/scim+json");
            if (!res) return;
            if (res->status != 200) continue;
            std::lock_guard<std::mutex> lock(acked.mu);
            int& seen = acked.titles[id];
            seen = std::max(seen, trial * 1000000 + i);
          } else {
            const std::string& id = mine[(i / 3) % mine.size()];
            const std::string& group = groups[(w + i) % groups.size()];
            auto res = http.Patch(
                ("/t/demo/scim/v2/Groups/" + group).c_str(), auth(),
                absl::StrCat(R"({"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],)",
                             R"("Operations":[{"op":"add","path":"members","value":[{"value":")",
                             id, R"("}]}]})"),
                "application/scim+json");
            if (!res) return;
            if (res->status != 200 && res->status != 204) continue;
            std::lock_guard<std::mutex> lock(acked.mu);
            acked.members[group].insert(id);
          }
        }
      });
    }
    // Somewhere between half a second and two seconds into the load.
    absl::SleepFor(absl::Milliseconds(500 + rng() % 1500));
    demo.process->Signal(SIGKILL);
    stop = true;
    for (auto& t : writers) t.join();
    demo.process->Wait();

    auto restarted = StartDemo(dir);
    ASSERT_TRUE(restarted.ok()) << "trial " << trial << ": " << restarted.status();
    demo = std::move(*restarted);
    httplib::Client http("127.0.0.1", demo.port);
    std::lock_guard<std::mutex> lock(acked.mu);
    int missing_users = 0, stale_titles = 0, missing_members = 0;
    for (const auto& id : acked.users) {
      auto res = http.Get(("/t/demo/scim/v2/Users/" + id).c_str(), auth());
      if (!res || res->status != 200) {
        ++missing_users;
        continue;
      }
      auto it = acked.titles.find(id);
      if (it == acked.titles.end()) continue;
      const auto user = nlohmann::json::parse(res->body);
      const std::string title = user.value("title", "");
      if (title.empty() || std::stoi(title) < it->second) ++stale_titles;
    }
    for (const auto& [group, ids] : acked.members) {
      auto res = http.Get(("/t/demo/scim/v2/Groups/" + group).c_str(), auth());
      ASSERT_TRUE(res && res->status == 200) << "trial " << trial;
      std::set<std::string> present;
      for (const auto& m : nlohmann::json::parse(res->body).value(
               "members", nlohmann::json::array())) {
        present.insert(m.value("value", ""));
      }
      for (const auto& id : ids) missing_members += present.count(id) == 0;
    }
    EXPECT_EQ(missing_users, 0) << "trial " << trial << " of " << acked.users.size();
    EXPECT_EQ(stale_titles, 0) << "trial " << trial << " of " << acked.titles.size();
    EXPECT_EQ(missing_members, 0) << "trial " << trial;
  }
  ASSERT_GT(acked.users.size(), 50u) << "too little load to mean anything";
  ASSERT_GT(acked.titles.size(), 10u);
  ASSERT_FALSE(acked.members.empty());
}

}  // namespace
}  // namespace scim::testing
