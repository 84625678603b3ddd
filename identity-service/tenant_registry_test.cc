// A tenant's registry from its stored schemas: field numbers that survive
// evolution, the cache by schema version, and evolution checks that read
// the values as the engine stores them (typed, under their field numbers).
#include "identity-service/tenant_registry.h"

#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/clock.h"
#include "common/random.h"
#include "gtest/gtest.h"
#include "identity-service/keys.h"
#include "scim/json_codec.h"
#include "scim/v1/resources.pb.h"
#include "storage/kv_store_test_params.h"

namespace scim::identity {
namespace {

constexpr char kUrn[] = "urn:ietf:params:scim:schemas:extension:Acme:2.0:User";

std::string Doc(const std::string& attributes, const std::string& urn = kUrn,
                const std::string& resource_type = "User") {
  return absl::StrCat(R"({"id":")", urn, R"(","name":"Acme","resourceType":")", resource_type,
                      R"(","attributes":[)", attributes, "]}");
}

constexpr char kCostCenter[] = R"({"name":"costCenter","type":"string"})";
constexpr char kBadge[] = R"({"name":"badge","type":"string"})";

class TenantRegistryTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    ASSERT_TRUE(kv_.Open(GetParam(), ColumnFamilies()).ok());
    outbox_ = std::make_unique<audit::Outbox>(kv_.get(), kOutboxCf);
    schemas_ = std::make_unique<TenantSchemas>(kv_.get(), outbox_.get(),
                                               Runtime{&clock_, &random_});
    registries_ = std::make_unique<TenantRegistries>(schemas_.get(), core_.get());
  }
  void TearDown() override {
    registries_.reset();
    schemas_.reset();
    outbox_.reset();
    kv_.Close();
  }

  absl::Status Put(const std::string& doc) { return schemas_->Put("acme", doc, who_).status(); }

  // A user decoded from `json` with the tenant's current registry, stored
  // as the store keeps it.
  void StoreUser(const std::string& id, const std::string& json) {
    auto registry = registries_->For("acme");
    ASSERT_TRUE(registry.ok()) << registry.status();
    const ResourceTypeSchema* type = (*registry)->FindResourceType("User");
    std::unique_ptr<google::protobuf::Message> user(type->prototype->New());
    ASSERT_TRUE(DecodeResource(Json::parse(json), user.get()).ok()) << json;
    auto txn = kv_->BeginTransaction();
    ASSERT_TRUE(txn->Put(kResourcesCf, ResourceKey("acme", "User", id), user->SerializeAsString())
                    .ok());
    ASSERT_TRUE(txn->Commit().ok());
  }

  Json Read(const std::string& id) {
    auto registry = registries_->For("acme");
    EXPECT_TRUE(registry.ok());
    const ResourceTypeSchema* type = (*registry)->FindResourceType("User");
    std::unique_ptr<google::protobuf::Message> user(type->prototype->New());
    auto bytes = kv_->Get(kResourcesCf, ResourceKey("acme", "User", id));
    EXPECT_TRUE(bytes.ok() && bytes->has_value());
    EXPECT_TRUE(user->ParseFromString(**bytes));
    return EncodeResource(*user);
  }

  FakeClock clock_;
  FakeRandom random_;
  audit::EventContext who_{"admin", "127.0.0.1", "req"};
  std::unique_ptr<const SchemaRegistry> core_ = SchemaRegistry::Core();
  TestKvStore kv_;
  std::unique_ptr<audit::Outbox> outbox_;
  std::unique_ptr<TenantSchemas> schemas_;
  std::unique_ptr<TenantRegistries> registries_;
};

TEST_P(TenantRegistryTest, ATenantWithoutSchemasGetsTheCoreRegistry) {
  auto registry = registries_->For("acme");
  ASSERT_TRUE(registry.ok());
  EXPECT_EQ(registry->get(), core_.get());
}

TEST_P(TenantRegistryTest, ValuesKeepTheirMeaningAsTheSchemaEvolves) {
  ASSERT_TRUE(Put(Doc(kCostCenter)).ok());
  StoreUser("u1", absl::StrCat(R"({"userName":"ann",")", kUrn, R"(":{"costCenter":"42"}})"));
  auto first = registries_->For("acme");
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(*registries_->For("acme"), *first) << "cached while the version holds";
  // badge added before costCenter in the document: numbers follow first
  // appearance, not position.
  ASSERT_TRUE(Put(Doc(absl::StrCat(kBadge, ",", kCostCenter))).ok());
  auto second = registries_->For("acme");
  ASSERT_TRUE(second.ok());
  EXPECT_NE(second->get(), first->get()) << "rebuilt for the new version";
  EXPECT_EQ(Read("u1")[kUrn]["costCenter"], "42");
  // Removed (hidden), then back: the value is there again.
  ASSERT_TRUE(Put(Doc(kBadge)).ok());
  EXPECT_FALSE(Read("u1").contains(kUrn) && Read("u1")[kUrn].contains("costCenter"));
  ASSERT_TRUE(Put(Doc(absl::StrCat(kBadge, ",", kCostCenter))).ok());
  EXPECT_EQ(Read("u1")[kUrn]["costCenter"], "42");
  // Other tenants never see it.
  auto other = registries_->For("beta");
  ASSERT_TRUE(other.ok());
  EXPECT_EQ((*other)->FindSchema(kUrn), nullptr);
}

TEST_P(TenantRegistryTest, EvolutionChecksReadTypedValues) {
  ASSERT_TRUE(Put(Doc(kCostCenter)).ok());
  StoreUser("u1", absl::StrCat(R"({"userName":"ann",")", kUrn, R"(":{"costCenter":"CC-42"}})"));
  StoreUser("u2", absl::StrCat(R"({"userName":"bob",")", kUrn, R"(":{"costCenter":"7"}})"));
  StoreUser("u3", R"({"userName":"cy"})");
  // To integer: both stored strings contradict it ("7" is text, too).
  absl::Status s = Put(Doc(R"({"name":"costCenter","type":"integer"})"));
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << s;
  EXPECT_NE(s.message().find("2 stored Users contradict"), std::string::npos) << s.message();
  // Required: cy carries no extension, so nothing contradicts it.
  s = Put(Doc(R"({"name":"costCenter","type":"string","required":true})"));
  EXPECT_TRUE(s.ok()) << s;
}

TEST_P(TenantRegistryTest, EachSchemaHasItsOwnNumberNeverReusedAndCallersSeeThem) {
  const std::string other = "urn:example:groups:2.0:Group";
  ASSERT_TRUE(Put(Doc(kCostCenter)).ok());
  ASSERT_TRUE(Put(Doc(kBadge, other, "Group")).ok());
  auto first = schemas_->Get("acme", kUrn);
  auto second = schemas_->Get("acme", other);
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_GE(first->field_number(), kFirstExtensionField);
  EXPECT_GT(second->field_number(), first->field_number());
  const v1::TenantSchema visible = TenantSchemas::Visible(*first);
  EXPECT_EQ(visible.field_number(), first->field_number());
  ASSERT_EQ(visible.fields_size(), 1);
  EXPECT_EQ(visible.fields(0).path(), "costcenter");
  // Deleted and replaced by a new schema: the new one gets a new number.
  ASSERT_TRUE(schemas_->Delete("acme", kUrn, who_).ok());
  const std::string third = "urn:example:third:2.0:User";
  ASSERT_TRUE(Put(Doc(kBadge, third)).ok());
  auto got = schemas_->Get("acme", third);
  ASSERT_TRUE(got.ok());
  EXPECT_GT(got->field_number(), second->field_number());
  // Put back, the deleted one keeps its own.
  ASSERT_TRUE(Put(Doc(kCostCenter)).ok());
  EXPECT_EQ(schemas_->Get("acme", kUrn)->field_number(), first->field_number());
}

TEST_P(TenantRegistryTest, OneVersionHasOneRegistryEvenWhenBuiltConcurrently) {
  ASSERT_TRUE(Put(Doc(kCostCenter)).ok());
  constexpr int kThreads = 8;
  std::vector<const SchemaRegistry*> got(kThreads);
  std::vector<std::shared_ptr<const SchemaRegistry>> keep(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      auto r = registries_->For("acme");
      if (r.ok()) keep[t] = *r;
      got[t] = r.ok() ? r->get() : nullptr;
    });
  }
  for (auto& t : threads) t.join();
  for (int t = 0; t < kThreads; ++t) {
    ASSERT_NE(got[t], nullptr);
    EXPECT_EQ(got[t], got[0]) << "thread " << t;
  }
}

INSTANTIATE_TEST_SUITE_P(AllStores, TenantRegistryTest, AllKvStores(), KvStoreName);

}  // namespace
}  // namespace scim::identity
