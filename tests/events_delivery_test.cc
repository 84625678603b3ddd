// Directory events across a kill -9: 500 mixed writes through the edge with
// scimd killed in the middle and restarted; every event reaches a real
// webhook receiver on loopback, in order, signed (Standard Webhooks), and
// the feed itself is gapless and orders each resource's events as its
// writes committed.
#include <signal.h>

#include <atomic>
#include <iostream>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "nlohmann/json.hpp"
#include "tests/test_process.h"
#include "webhooks/signature.h"

namespace scim::testing {
namespace {

using Json = nlohmann::json;

struct Delivery {
  std::string id, timestamp, signature, body;
};

// A webhook receiver on a free loopback port: records every POST; answers
// 500 to the first one (so a retry is part of the run), 200 afterwards.
class Receiver {
 public:
  Receiver() {
    server_.Post("/hook", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard<std::mutex> lock(mu_);
      deliveries_.push_back({req.get_header_value("webhook-id"),
                             req.get_header_value("webhook-timestamp"),
                             req.get_header_value("webhook-signature"), req.body});
      res.status = deliveries_.size() == 1 ? 500 : 200;
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    // Until it accepts (a real process, real time; bounded).
    for (int i = 0; i < 500 && !server_.is_running(); ++i) absl::SleepFor(absl::Milliseconds(2));
  }
  ~Receiver() {
    server_.stop();
    thread_.join();
  }
  std::string url() const { return absl::StrCat("http://127.0.0.1:", port_, "/hook"); }
  std::vector<Delivery> deliveries() {
    std::lock_guard<std::mutex> lock(mu_);
    return deliveries_;
  }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mu_;
  std::vector<Delivery> deliveries_;
};

struct Acknowledged {
  std::mutex mu;
  std::set<std::string> created, deactivated, deleted;
  std::set<std::pair<std::string, std::string>> joined;  // group, member
};

constexpr char kPatchOp[] = R"("schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"])";

// Writes until `acked_target` writes were acknowledged or the server went.
void RunWriters(int port, const std::string& key, const std::string& group, int writer_base,
                std::atomic<int>* acked, int acked_target, Acknowledged* ack) {
  const httplib::Headers auth = {{"Authorization", "Bearer " + key}};
  std::vector<std::thread> writers;
  for (int w = 0; w < 4; ++w) {
    writers.emplace_back([&, w] {
      httplib::Client http("127.0.0.1", port);
      http.set_connection_timeout(2);
      http.set_read_timeout(5);
      std::vector<std::string> mine;
      for (int i = 0; acked->load() < acked_target; ++i) {
        const int kind = mine.empty() ? 0 : i % 4;
        std::string id = mine.empty() ? "" : mine[i % mine.size()];
        int status = -1;  // -1: no answer
        if (kind == 0) {
          auto res = http.Post("/t/demo/scim/v2/Users", auth,
                          absl::StrCat(R"({"userName":"w)", writer_base + w, "-", i, R"("})"),
                          "application/scim+json");
          if (res) status = res->status;
          if (status == 201) {
            id = Json::parse(res->body)["id"];
            mine.push_back(id);
            std::lock_guard<std::mutex> lock(ack->mu);
            ack->created.insert(id);
          }
        } else if (kind == 1) {
          auto res = http.Patch(("/t/demo/scim/v2/Users/" + id).c_str(), auth,
                           absl::StrCat("{", kPatchOp,
                                        R"(,"Operations":[{"op":"replace","path":"active","value":false}]})"),
                           "application/scim+json");
          if (res) status = res->status;
          if (status == 200) {
            std::lock_guard<std::mutex> lock(ack->mu);
            ack->deactivated.insert(id);
          }
        } else if (kind == 2) {
          auto res = http.Patch(("/t/demo/scim/v2/Groups/" + group).c_str(), auth,
                           absl::StrCat("{", kPatchOp,
                                        R"(,"Operations":[{"op":"add","path":"members","value":[{"value":")",
                                        id, R"("}]}]})"),
                           "application/scim+json");
          if (res) status = res->status;
          if (status == 204 || status == 200) {
            std::lock_guard<std::mutex> lock(ack->mu);
            ack->joined.insert({group, id});
          }
        } else {
          auto res = http.Delete(("/t/demo/scim/v2/Users/" + id).c_str(), auth);
          if (res) status = res->status;
          if (status == 204) {
            mine.erase(std::find(mine.begin(), mine.end(), id));
            std::lock_guard<std::mutex> lock(ack->mu);
            ack->deleted.insert(id);
          }
        }
        if (status < 0) return;  // the server is gone
        if (status < 300) acked->fetch_add(1);
      }
    });
  }
  for (auto& t : writers) t.join();
}

uint64_t VersionNumber(const std::string& etag) {  // W/"7" -> 7
  uint64_t n = 0;
  const size_t q = etag.find('"');
  if (q != std::string::npos) (void)absl::SimpleAtoi(etag.substr(q + 1, etag.size() - q - 2), &n);
  return n;
}

TEST(EventsDeliveryTest, EveryEventArrivesInOrderAndSignedAcrossAKill9) {
  const std::string dir = MakeTempDir("events_delivery");
  const std::vector<std::string> flags = {"--allow_private_webhooks"};
  auto first = StartDemo(dir, flags);
  ASSERT_TRUE(first.ok()) << first.status();
  Demo demo = std::move(*first);
  ScimCtl ctl{absl::StrCat("127.0.0.1:", demo.grpc_port), "", dir + "/data/admin.token"};

  Receiver receiver;
  int code = -1;
  const std::string added =
      ctl.Run("webhook add --tenant=demo --url=" + receiver.url(), &code);
  ASSERT_EQ(code, 0) << added;
  const std::vector<std::string> lines = absl::StrSplit(added, '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 2u) << added;
  const std::string secret = lines[1];
  ASSERT_EQ(secret.rfind("whsec_", 0), 0u);

  std::string group;
  {
    httplib::Client http("127.0.0.1", demo.port);
    auto res = http.Post("/t/demo/scim/v2/Groups", {{"Authorization", "Bearer " + demo.key}},
                         R"({"displayName":"everyone"})", "application/scim+json");
    ASSERT_TRUE(res && res->status == 201);
    group = Json::parse(res->body)["id"];
  }
  Acknowledged ack;
  std::atomic<int> acked{1};
  // Half the writes, then kill -9 while the writers are still going.
  std::thread load([&] { RunWriters(demo.port, demo.key, group, 0, &acked, 1000000, &ack); });
  for (int i = 0; i < 600 && acked.load() < 250; ++i) absl::SleepFor(absl::Milliseconds(50));
  demo.process->Signal(SIGKILL);
  load.join();
  demo.process->Wait();
  ASSERT_GE(acked.load(), 250) << "too little load before the kill";

  auto restarted = StartDemo(dir, flags);
  ASSERT_TRUE(restarted.ok()) << restarted.status();
  demo = std::move(*restarted);
  ctl.server = absl::StrCat("127.0.0.1:", demo.grpc_port);
  RunWriters(demo.port, demo.key, group, 100, &acked, 500, &ack);
  ASSERT_GE(acked.load(), 500);

  // The feed: every event, gapless, in sequence order.
  const std::string feed_text = ctl.Run("events tail --tenant=demo --after=0", &code);
  ASSERT_EQ(code, 0);
  std::vector<Json> feed;
  for (absl::string_view line : absl::StrSplit(feed_text, '\n', absl::SkipEmpty())) {
    feed.push_back(Json::parse(line));
  }
  ASSERT_GE(feed.size(), 500u);
  std::map<std::string, uint64_t> last_version;  // per resource
  std::map<std::string, std::set<std::string>> by_type;
  for (size_t i = 0; i < feed.size(); ++i) {
    const Json& e = feed[i];
    ASSERT_EQ(e["sequence"].get<uint64_t>(), i + 1) << e.dump();
    EXPECT_EQ(e["tenant"], "demo");
    const std::string type = e["type"];
    by_type[type].insert(type.rfind("group.member", 0) == 0 ? std::string(e["memberId"])
                                                              : std::string(e["resourceId"]));
    // Each resource's events in the order its writes committed.
    if (e.contains("version") && type.rfind("group.member", 0) != 0) {
      const uint64_t v = VersionNumber(e["version"]);
      uint64_t& last = last_version[e["resourceId"]];
      if (type != "user.deleted") {
        EXPECT_GT(v, last) << "resource " << e["resourceId"] << " at sequence " << i + 1;
      }
      last = v;
    }
  }
  // Every acknowledged write has its event.
  for (const auto& id : ack.created) EXPECT_TRUE(by_type["user.created"].count(id)) << id;
  for (const auto& id : ack.deactivated) EXPECT_TRUE(by_type["user.deactivated"].count(id)) << id;
  for (const auto& id : ack.deleted) EXPECT_TRUE(by_type["user.deleted"].count(id)) << id;
  for (const auto& [g, id] : ack.joined) {
    EXPECT_TRUE(by_type["group.member_added"].count(id)) << id;
  }

  // Deliveries: every event, in order (a repeat only of what was already
  // sent), the event id as webhook-id, signatures that verify.
  const uint64_t last = feed.size();
  std::vector<Delivery> got;
  for (int i = 0; i < 1200; ++i) {  // bounded: 60 s
    got = receiver.deliveries();
    if (!got.empty() &&
        Json::parse(got.back().body)["data"]["sequence"].get<uint64_t>() >= last) {
      break;
    }
    absl::SleepFor(absl::Milliseconds(50));
  }
  uint64_t next = 1;
  int repeats = 0;
  for (const Delivery& d : got) {
    const Json body = Json::parse(d.body);
    const uint64_t seq = body["data"]["sequence"];
    ASSERT_GE(seq, 1u);
    ASSERT_LE(seq, last);
    EXPECT_EQ(d.id, feed[seq - 1]["id"]) << "webhook-id of sequence " << seq;
    EXPECT_EQ(body["type"], feed[seq - 1]["type"]);
    int64_t ts = 0;
    ASSERT_TRUE(absl::SimpleAtoi(d.timestamp, &ts));
    auto expected = webhooks::Sign(secret, d.id, ts, d.body);
    ASSERT_TRUE(expected.ok());
    EXPECT_NE(d.signature.find(*expected), std::string::npos) << "sequence " << seq;
    if (seq == next) {
      ++next;
    } else {
      ASSERT_LT(seq, next) << "sequence " << seq << " before " << next;
      ++repeats;  // sent again (a retry, or the one in flight at the kill)
    }
  }
  EXPECT_EQ(next, last + 1) << "delivered up to " << next - 1 << " of " << last;
  std::cout << "acknowledged writes " << acked.load() << ", events " << last
            << ", deliveries " << got.size() << " (" << repeats << " repeated)" << std::endl;
  EXPECT_GE(repeats, 1) << "the receiver's first 500 must have been retried";
}

}  // namespace
}  // namespace scim::testing
