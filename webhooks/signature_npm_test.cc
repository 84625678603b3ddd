// Our signatures as a receiver sees them: the Standard Webhooks reference
// library from npm (tests/node, installed by scripts/test.sh) must accept
// every delivery we sign, during a rotation with either secret, and refuse
// a tampered one.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/proto_util.h"
#include "events/event_json.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "scim/v1/resources.pb.h"
#include "webhooks/signature.h"

namespace scim::webhooks {
namespace {

using Json = nlohmann::json;

const std::string kNodeDir = std::string(SCIM_SOURCE_DIR) + "/tests/node";

struct Delivery {
  std::string verify_with;  // the secret the receiver holds
  std::string id, body;
  int64_t timestamp;
  std::string signature;
};

// Runs the reference verifier over `deliveries`; one verdict per delivery.
std::vector<std::string> Verify(const std::vector<Delivery>& deliveries) {
  const auto dir = std::filesystem::temp_directory_path() /
                   absl::StrCat("swh_", getpid(), "_", rand());
  std::filesystem::create_directories(dir);
  {
    std::ofstream in(dir / "in.jsonl");
    for (const Delivery& d : deliveries) {
      Json line = {{"secret", d.verify_with},
                   {"body", d.body},
                   {"headers",
                    {{"webhook-id", d.id},
                     {"webhook-timestamp", absl::StrCat(d.timestamp)},
                     {"webhook-signature", d.signature}}}};
      in << line.dump() << "\n";
    }
  }
  const std::string command =
      absl::StrCat("node '", kNodeDir, "/verify_standard_webhooks.js' < '",
                   (dir / "in.jsonl").string(), "' > '", (dir / "out").string(), "' 2>&1");
  const int rc = std::system(command.c_str());
  std::ifstream out(dir / "out");
  std::stringstream text;
  text << out.rdbuf();
  std::filesystem::remove_all(dir);
  EXPECT_EQ(rc, 0) << text.str();
  std::vector<std::string> verdicts = absl::StrSplit(text.str(), '\n', absl::SkipEmpty());
  return verdicts;
}

v1::Event SampleEvent(int n) {
  v1::Event e;
  e.set_id(absl::StrCat("0190d9c2-1111-7000-8000-00000000000", n));
  e.set_tenant("acme");
  e.set_sequence(n);
  e.set_type(n % 2 ? "user.updated" : "group.member_added");
  e.set_resource_type(n % 2 ? "User" : "Group");
  e.set_resource_id("r1");
  e.set_member_id(n % 2 ? "" : "u9");
  *e.mutable_time() = ToTimestamp(absl::Now());
  e.add_changed_attributes("displayName");
  e.set_actor("key-1");
  e.set_request_id("req \"quoted\" \\ and \xc3\xa9\xe2\x82\xac unicode");
  if (n == 3) {
    v1::User user;
    user.set_user_name("bj\xc3\xb8rn@example.com");
    user.set_display_name("Bj\xc3\xb8rn \xf0\x9f\x98\x80");
    e.mutable_resource()->PackFrom(user);
    *e.mutable_resource_read_at() = ToTimestamp(absl::Now());
  }
  return e;
}

TEST(SignatureNpmTest, TheReferenceLibraryVerifiesOurSignatures) {
  ASSERT_TRUE(std::filesystem::exists(kNodeDir + "/node_modules/standardwebhooks/package.json"))
      << "the npm package standardwebhooks is missing: scripts/test.sh installs it "
         "(or: npm install --no-package-lock --prefix " << kNodeDir << ")";
  ASSERT_EQ(std::system("node --version > /dev/null 2>&1"), 0) << "node is not installed";

  FakeRandom random(11);
  const std::string current = NewSecret(random);
  const std::string previous = NewSecret(random);
  const std::string stranger = NewSecret(random);
  const int64_t now = absl::ToUnixSeconds(absl::Now());

  std::vector<Delivery> deliveries;
  std::vector<std::string> expected;
  auto add = [&](const std::string& holder, const std::vector<std::string>& signers,
                 const std::string& id, const std::string& body, const std::string& sent_body,
                 const char* verdict) {
    auto header = SignatureHeader(signers, id, now, body);
    ASSERT_TRUE(header.ok()) << header.status();
    deliveries.push_back({holder, id, sent_body, now, *header});
    expected.push_back(verdict);
  };
  for (int n = 1; n <= 3; ++n) {
    const v1::Event event = SampleEvent(n);
    const std::string body = events::WebhookBody(event);
    // One secret; then a rotation, where a receiver holding either verifies.
    add(current, {current}, event.id(), body, body, "ok");
    add(current, {current, previous}, event.id(), body, body, "ok");
    add(previous, {current, previous}, event.id(), body, body, "ok");
    add(stranger, {current, previous}, event.id(), body, body, "refused");
    // Tampered in transit.
    std::string tampered = body;
    tampered[tampered.size() / 2] ^= 1;
    add(current, {current}, event.id(), body, tampered, "refused");
  }
  // A signature over another id does not verify this one.
  const std::string body = events::WebhookBody(SampleEvent(1));
  auto other = SignatureHeader({current}, "another-id", now, body);
  deliveries.push_back({current, SampleEvent(1).id(), body, now, *other});
  expected.push_back("refused");

  const std::vector<std::string> verdicts = Verify(deliveries);
  ASSERT_EQ(verdicts.size(), expected.size());
  for (size_t i = 0; i < verdicts.size(); ++i) {
    EXPECT_EQ(verdicts[i].substr(0, expected[i].size()), expected[i])
        << "delivery " << i << ": " << verdicts[i] << "\n" << deliveries[i].body;
  }
}

}  // namespace
}  // namespace scim::webhooks
