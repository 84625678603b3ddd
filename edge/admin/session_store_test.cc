// The console session stores: one contract suite over both, then what only
// the Redis-shared one promises (replicas, sealing, outages).
#include "edge/admin/session_store.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/clock.h"
#include "common/random.h"
#include "common/redis_client.h"
#include "common/redis_server_for_tests.h"
#include "edge/admin/memory_session_store.h"
#include "edge/admin/redis_session_store.h"
#include "gtest/gtest.h"

namespace scim::edge {
namespace {

Session AdminSession(absl::Time expires) {
  Session s;
  s.kind = Session::Kind::kAdmin;
  s.credential = "the-admin-token-0123456789";
  s.csrf = "csrf-abc";
  s.expires = expires;
  return s;
}

class SessionStoreContract : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "Memory") {
      store_ = std::make_unique<MemorySessionStore>(&clock_, RandomSource::Secure());
      return;
    }
    ASSERT_TRUE(RedisServerForTests::Installed())
        << "redis-server is missing: ./scripts/test.sh installs it";
    redis_server_ = std::make_unique<RedisServerForTests>(FreePort());
    auto client = RedisClient::Create(
        absl::StrCat("redis://127.0.0.1:", redis_server_->port()), &clock_);
    ASSERT_TRUE(client.ok()) << client.status();
    store_ = std::make_unique<RedisSessionStore>(std::move(*client), &clock_,
                                                 RandomSource::Secure());
  }

  FakeClock clock_;
  std::unique_ptr<RedisServerForTests> redis_server_;
  std::unique_ptr<SessionStore> store_;
};

TEST_P(SessionStoreContract, CreateFindRevoke) {
  Session link;
  link.kind = Session::Kind::kSetupLink;
  link.credential = "scl_0123456789abcdef_secret";
  link.tenant = "acme";
  link.csrf = store_->NewToken();
  link.expires = clock_.Now() + absl::Hours(8);
  const std::string id = store_->Create(link);
  EXPECT_EQ(id.size(), 64u);
  EXPECT_NE(id, store_->Create(link)) << "ids are random";
  std::optional<Session> found = store_->Find(id);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->kind, Session::Kind::kSetupLink);
  EXPECT_EQ(found->credential, link.credential);
  EXPECT_EQ(found->tenant, "acme");
  EXPECT_EQ(found->csrf, link.csrf);
  EXPECT_EQ(absl::ToUnixSeconds(found->expires), absl::ToUnixSeconds(link.expires));
  store_->Revoke(id);
  EXPECT_FALSE(store_->Find(id).has_value());
}

TEST_P(SessionStoreContract, UnknownEmptyAndExpiredSessionsAreNotFound) {
  EXPECT_FALSE(store_->Find("").has_value());
  EXPECT_FALSE(store_->Find(std::string(64, 'a')).has_value());
  EXPECT_FALSE(store_->Find("not hex at all \n\r").has_value());
  const std::string id = store_->Create(AdminSession(clock_.Now() + absl::Minutes(10)));
  ASSERT_TRUE(store_->Find(id).has_value());
  clock_.Advance(absl::Minutes(11));
  EXPECT_FALSE(store_->Find(id).has_value()) << "an expired session";
  store_->Revoke("");
  store_->Revoke(id);  // twice is fine
}

INSTANTIATE_TEST_SUITE_P(Stores, SessionStoreContract, ::testing::Values("Memory", "Redis"),
                         [](const auto& info) { return info.param; });

TEST(MemorySessionStoreTest, IsBoundedDroppingTheOneNearestItsExpiry) {
  FakeClock clock;
  MemorySessionStore store(&clock, RandomSource::Secure(), /*max_sessions=*/3);
  std::vector<std::string> ids;
  for (int i = 0; i < 4; ++i) ids.push_back(store.Create(AdminSession(clock.Now() + absl::Minutes(10 + i))));
  EXPECT_FALSE(store.Find(ids[0]).has_value());
  for (int i = 1; i < 4; ++i) EXPECT_TRUE(store.Find(ids[i]).has_value()) << i;
}

// Two edge replicas on one Redis.
class RedisSessionStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(RedisServerForTests::Installed())
        << "redis-server is missing: ./scripts/test.sh installs it";
    redis_server_ = std::make_unique<RedisServerForTests>(FreePort());
    a_ = Edge();
    b_ = Edge();
  }
  std::unique_ptr<RedisSessionStore> Edge() {
    return std::make_unique<RedisSessionStore>(Client(), &clock_, RandomSource::Secure());
  }
  std::shared_ptr<RedisClient> Client() {
    auto client = RedisClient::Create(
        absl::StrCat("redis://127.0.0.1:", redis_server_->port()), &clock_);
    EXPECT_TRUE(client.ok());
    return std::move(*client);
  }

  FakeClock clock_;
  std::unique_ptr<RedisServerForTests> redis_server_;
  std::unique_ptr<RedisSessionStore> a_, b_;
};

TEST_F(RedisSessionStoreTest, EveryReplicaSeesASessionAndItsSignOut) {
  const std::string id = a_->Create(AdminSession(clock_.Now() + absl::Hours(8)));
  ASSERT_TRUE(b_->Find(id).has_value()) << "signed in on one edge, served by another";
  b_->Revoke(id);
  EXPECT_FALSE(a_->Find(id).has_value()) << "signed out on one edge, gone on all";
}

TEST_F(RedisSessionStoreTest, RedisHoldsNothingUsableWithoutTheCookie) {
  const Session session = AdminSession(clock_.Now() + absl::Hours(8));
  const std::string id = a_->Create(session);
  static constexpr RedisScript kDump(R"lua(
local out = {}
for _, k in ipairs(redis.call('KEYS', '*')) do
  table.insert(out, k)
  table.insert(out, redis.call('GET', k))
end
return out
)lua");
  std::optional<RedisValue> dump = Client()->Eval(kDump, {}, {});
  ASSERT_TRUE(dump.has_value());
  ASSERT_EQ(dump->elements.size(), 2u);
  const std::string& key = dump->elements[0].str;
  const std::string& value = dump->elements[1].str;
  EXPECT_EQ(key, RedisSessionStore::KeyOf(id));
  for (const std::string& secret : {id, session.credential, session.csrf}) {
    EXPECT_EQ(key.find(secret), std::string::npos) << secret;
    EXPECT_EQ(value.find(secret), std::string::npos) << secret;
  }
  // Someone who copies the value under another id gets nothing.
  const std::string other = a_->Create(session);
  static constexpr RedisScript kCopy(R"lua(
redis.call('SET', KEYS[2], redis.call('GET', KEYS[1]))
return 1
)lua");
  ASSERT_TRUE(Client()->Eval(kCopy, {RedisSessionStore::KeyOf(id), RedisSessionStore::KeyOf(other)}, {})
                  .has_value());
  EXPECT_TRUE(a_->Find(id).has_value());
  EXPECT_FALSE(a_->Find(other).has_value()) << "a sealed session opens under its own id only";
}

TEST_F(RedisSessionStoreTest, WhileRedisIsAwayNewSessionsLiveOnTheirEdge) {
  const std::string shared = a_->Create(AdminSession(clock_.Now() + absl::Hours(8)));
  redis_server_->Stop();
  const std::string local = a_->Create(AdminSession(clock_.Now() + absl::Hours(8)));
  EXPECT_TRUE(a_->Find(local).has_value()) << "the edge that made it still serves it";
  EXPECT_FALSE(b_->Find(local).has_value());
  EXPECT_FALSE(a_->Find(shared).has_value()) << "Redis's sessions wait for Redis";
  redis_server_->Start();
  clock_.Advance(absl::Seconds(2));  // past the client's pause after an outage
  EXPECT_TRUE(a_->Find(local).has_value());
  a_->Revoke(local);
  EXPECT_FALSE(a_->Find(local).has_value());
  const std::string again = a_->Create(AdminSession(clock_.Now() + absl::Hours(8)));
  EXPECT_TRUE(b_->Find(again).has_value()) << "shared again";
}

}  // namespace
}  // namespace scim::edge
