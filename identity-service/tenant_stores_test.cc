// Custom attributes through the store a tenant's requests run on: they
// cross the store's methods in v1.User's extensions map, and are filtered,
// sorted, patched, projected and validated like core attributes; another
// tenant never sees them.
#include "identity-service/tenant_stores.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/clock.h"
#include "common/random.h"
#include "gtest/gtest.h"
#include "identity-service/keys.h"
#include "identity-service/schema_keys.h"
#include "identity-service/tenant_index_builder.h"
#include "scim/core_registry_for_tests.h"
#include "scim/json_codec.h"
#include "scim/v1/resources.pb.h"
#include "storage/kv_store_test_params.h"

namespace scim::identity {
namespace {

constexpr char kUrn[] = "urn:ietf:params:scim:schemas:extension:CustomExtensionName:2.0:User";

constexpr char kSchema[] = R"({
  "id": "urn:ietf:params:scim:schemas:extension:CustomExtensionName:2.0:User",
  "name": "CustomExtension", "resourceType": "User",
  "attributes": [
    {"name": "costCenter", "type": "string"},
    {"name": "badge", "type": "integer"},
    {"name": "pin", "type": "string", "mutability": "writeOnly", "returned": "never"},
    {"name": "licenses", "type": "complex", "multiValued": true, "subAttributes": [
      {"name": "sku", "type": "string"}, {"name": "seats", "type": "integer"}]}
  ]})";

class TenantStoresTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    ASSERT_TRUE(kv_.Open(GetParam(), ColumnFamilies()).ok());
    outbox_ = std::make_unique<audit::Outbox>(kv_.get(), kOutboxCf);
    base_ = std::make_unique<ResourceStore>(kv_.get(), outbox_.get(), &CoreRegistryForTests(),
                                            &clock_, &random_);
    schemas_ = std::make_unique<TenantSchemas>(kv_.get(), outbox_.get(),
                                               Runtime{&clock_, &random_});
    stores_ = std::make_unique<TenantStores>(base_.get(), schemas_.get());
    auto put = schemas_->Put("acme", kSchema, ctx_);
    ASSERT_TRUE(put.ok()) << put.status();
  }
  void TearDown() override {
    stores_.reset();
    schemas_.reset();
    base_.reset();
    outbox_.reset();
    kv_.Close();
  }

  std::shared_ptr<ResourceStore> Store(const std::string& tenant) {
    auto store = stores_->For(tenant);
    EXPECT_TRUE(store.ok()) << store.status();
    return *store;
  }

  // A user as the edge decodes a request body: custom schemas into the map.
  static v1::User Decode(const std::string& json) {
    v1::User user;
    const absl::Status s = DecodeResource(Json::parse(json), &user);
    EXPECT_TRUE(s.ok()) << s;
    return user;
  }

  absl::StatusOr<std::string> Create(const std::string& tenant, const std::string& json,
                                     const ValidationOptions& validation = {}) {
    v1::User user = Decode(json);
    absl::Status s = Store(tenant)->Create(UserResourceType(), tenant, &user, ctx_, validation);
    if (!s.ok()) return s;
    return user.id();
  }

  Json Get(const std::string& tenant, const std::string& id) {
    v1::User user;
    const absl::Status s = Store(tenant)->Get(UserResourceType(), tenant, id, &user);
    EXPECT_TRUE(s.ok()) << s;
    return EncodeResource(user);
  }

  std::vector<std::string> Names(const std::string& tenant, const v1::ListRequest& request) {
    ListResult result;
    const absl::Status s = Store(tenant)->List(UserResourceType(), tenant, request, &result);
    EXPECT_TRUE(s.ok()) << s << " " << request.DebugString();
    std::vector<std::string> names;
    for (const auto& r : result.resources) {
      names.push_back(static_cast<const v1::User&>(*r).user_name());
    }
    return names;
  }

  FakeClock clock_;
  FakeRandom random_;
  RequestContext ctx_{"key1", "10.0.0.1", "req-1"};
  TestKvStore kv_;
  std::unique_ptr<audit::Outbox> outbox_;
  std::unique_ptr<ResourceStore> base_;
  std::unique_ptr<TenantSchemas> schemas_;
  std::unique_ptr<TenantStores> stores_;
};

std::string UserJson(const std::string& name, const std::string& extension) {
  return absl::StrCat(R"({"userName":")", name, R"(",")", kUrn, R"(":)", extension, "}");
}

TEST_P(TenantStoresTest, CustomAttributesAreStoredTypedAndReturnedUnderTheirUrn) {
  auto id = Create("acme", UserJson("ann", R"({"costCenter":"42","badge":7,"pin":"1234",
      "licenses":[{"sku":"pro","seats":3}]})"));
  ASSERT_TRUE(id.ok()) << id.status();
  const Json got = Get("acme", *id);
  ASSERT_TRUE(got.contains(kUrn)) << got.dump();
  EXPECT_EQ(got[kUrn]["costCenter"], "42");
  EXPECT_EQ(got[kUrn]["badge"], 7);
  EXPECT_EQ(got[kUrn]["licenses"][0]["sku"], "pro");
  // writeOnly + returned:never, like password: never returned, kept hashed.
  EXPECT_FALSE(got[kUrn].contains("pin")) << got.dump();
  auto stored = kv_->Get(kResourcesCf, ResourceKey("acme", "User", *id));
  ASSERT_TRUE(stored.ok() && stored->has_value());
  EXPECT_EQ((*stored)->find("1234"), std::string::npos) << "the PIN is stored in clear";
  const std::string hashed = **stored;
  // A PUT that leaves it out keeps it (RFC 7644 §3.5.1, as for password).
  v1::User replace = Decode(UserJson("ann", R"({"costCenter":"1"})"));
  ASSERT_TRUE(Store("acme")->Replace(UserResourceType(), "acme", *id, "", &replace, ctx_).ok());
  EXPECT_FALSE(EncodeResource(replace)[kUrn].contains("pin"));
  stored = kv_->Get(kResourcesCf, ResourceKey("acme", "User", *id));
  ASSERT_TRUE(stored.ok() && stored->has_value());
  // The same hash, salt and all, is still among the stored bytes.
  const size_t at = hashed.find("$pbkdf2");
  ASSERT_NE(at, std::string::npos) << "no hash in the stored record";
  EXPECT_NE((*stored)->find(hashed.substr(at, 70)), std::string::npos);
}

TEST_P(TenantStoresTest, CustomValuesAreTypeChecked) {
  auto id = Create("acme", UserJson("ann", R"({"badge":"seven"})"));
  ASSERT_FALSE(id.ok());
  EXPECT_EQ(id.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(id.status().message().find("badge"), std::string::npos) << id.status();
}

TEST_P(TenantStoresTest, UnknownExtensionsAreDroppedOrInStrictModeRefused) {
  const std::string other = R"({"userName":"bob","urn:example:Other:1.0:User":{"x":"1"}})";
  auto id = Create("acme", other);
  ASSERT_TRUE(id.ok()) << id.status();
  EXPECT_FALSE(Get("acme", *id).contains("urn:example:Other:1.0:User"));
  auto strict = Create("acme", R"({"userName":"bob2","urn:example:Other:1.0:User":{"x":"1"}})",
                       ValidationOptions{.enforce_canonical_values = true});
  ASSERT_FALSE(strict.ok());
  EXPECT_NE(strict.status().message().find("urn:example:Other:1.0:User"), std::string::npos);
}

TEST_P(TenantStoresTest, FilterAndSortOnACustomAttribute) {
  ASSERT_TRUE(Create("acme", UserJson("ann", R"({"costCenter":"42","badge":3})")).ok());
  ASSERT_TRUE(Create("acme", UserJson("bob", R"({"costCenter":"7","badge":1})")).ok());
  ASSERT_TRUE(Create("acme", UserJson("cid", R"({"costCenter":"42","badge":2})")).ok());
  v1::ListRequest request;
  request.set_filter(absl::StrCat(kUrn, ":costCenter eq \"42\""));
  request.set_sort_by(absl::StrCat(kUrn, ":badge"));
  EXPECT_EQ(Names("acme", request), (std::vector<std::string>{"cid", "ann"}));
  request.set_filter(absl::StrCat(kUrn, ":licenses[sku eq \"none\"] or ", kUrn, ":badge gt 1"));
  request.set_sort_by(absl::StrCat(kUrn, ":badge"));
  request.set_sort_order("descending");
  EXPECT_EQ(Names("acme", request), (std::vector<std::string>{"ann", "cid"}));
}

TEST_P(TenantStoresTest, PatchWithAndWithoutPathAndByValueFilter) {
  auto id = Create("acme", UserJson("ann", R"({"costCenter":"42",
      "licenses":[{"sku":"pro","seats":3},{"sku":"lite","seats":1}]})"));
  ASSERT_TRUE(id.ok()) << id.status();
  auto store = Store("acme");
  std::vector<PatchOp> ops = {
      {"Replace", absl::StrCat(kUrn, ":costCenter"), "43"},
      // Entra's no-path form: the attribute's full URN path as the key.
      {"Add", "", Json::object({{absl::StrCat(kUrn, ":badge"), 9}})},
      {"replace", absl::StrCat(kUrn, ":licenses[sku eq \"pro\"].seats"), 5},
      {"remove", absl::StrCat(kUrn, ":licenses[sku eq \"lite\"]"), nullptr},
  };
  v1::User out;
  const absl::Status s =
      store->Patch(UserResourceType(), "acme", *id, "", ops, &out, ctx_);
  ASSERT_TRUE(s.ok()) << s;
  const Json got = Get("acme", *id);
  EXPECT_EQ(got[kUrn]["costCenter"], "43") << got.dump();
  EXPECT_EQ(got[kUrn]["badge"], 9);
  ASSERT_EQ(got[kUrn]["licenses"].size(), 1u);
  EXPECT_EQ(got[kUrn]["licenses"][0]["seats"], 5);
  // Struct members come in no set order.
  EXPECT_EQ(nlohmann::json::parse(EncodeResource(out)[kUrn].dump()),
            nlohmann::json::parse(got[kUrn].dump()));
}

TEST_P(TenantStoresTest, ProjectionNamesCustomAttributes) {
  auto id = Create("acme", UserJson("ann", R"({"costCenter":"42","badge":7})"));
  ASSERT_TRUE(id.ok());
  auto store = Store("acme");
  v1::Projection asked;
  asked.add_attributes(absl::StrCat(kUrn, ":costCenter"));
  v1::User user;
  ASSERT_TRUE(store->Get(UserResourceType(), "acme", *id, &user,
                         store->ProjectionOf(UserResourceType(), asked).get())
                  .ok());
  const Json got = EncodeResource(user);
  EXPECT_EQ(got[kUrn], Json::parse(R"({"costCenter":"42"})")) << got.dump();
  EXPECT_FALSE(got.contains("userName"));
}

TEST_P(TenantStoresTest, AnotherTenantNeitherTypesNorSeesThem) {
  // Tenant "globex" has no schema: the same body keeps only core attributes.
  auto id = Create("globex", UserJson("ann", R"({"costCenter":"42"})"));
  ASSERT_TRUE(id.ok()) << id.status();
  EXPECT_FALSE(Get("globex", *id).contains(kUrn));
  EXPECT_EQ(Store("globex").get(), base_.get());
  v1::ListRequest request;
  request.set_filter(absl::StrCat(kUrn, ":costCenter eq \"42\""));
  ListResult result;
  // To globex the attribute is unknown: RFC 7644 §3.4.2.2 400 invalidFilter.
  EXPECT_FALSE(
      Store("globex")->List(UserResourceType(), "globex", request, &result).ok());
}

TEST_P(TenantStoresTest, ASchemaChangeIsUsedByTheNextRequest) {
  auto before = Store("acme");
  std::string grown = kSchema;
  grown.replace(grown.find(R"({"name": "badge")"), 0,
                R"({"name": "floor", "type": "integer"}, )");
  ASSERT_TRUE(schemas_->Put("acme", grown, ctx_).ok());
  auto after = Store("acme");
  EXPECT_NE(before.get(), after.get());
  auto id = Create("acme", UserJson("ann", R"({"floor":12})"));
  ASSERT_TRUE(id.ok()) << id.status();
  EXPECT_EQ(Get("acme", *id)[kUrn]["floor"], 12);
  // Unchanged schemas: the same store, no rebuild.
  EXPECT_EQ(Store("acme").get(), after.get());
}

// A schema of the same URN with other attributes (a put evolves it).
std::string SchemaWith(const std::string& attributes) {
  return absl::StrCat(R"({"id":")", kUrn, R"(","name":"CustomExtension","resourceType":"User",
      "attributes":[)", attributes, "]}");
}

TEST_P(TenantStoresTest, AUniqueCustomAttributeIsUniquePerTenant) {
  const std::string schema = SchemaWith(
      R"({"name":"costCenter","type":"string"},{"name":"employeeId","type":"string","uniqueness":"server"})");
  ASSERT_TRUE(schemas_->Put("acme", schema, ctx_).ok());
  ASSERT_TRUE(schemas_->Put("globex", schema, ctx_).ok());
  auto ann = Create("acme", UserJson("ann", R"({"employeeId":"E1"})"));
  ASSERT_TRUE(ann.ok()) << ann.status();
  // Case-insensitive, like userName (caseExact is false).
  auto bob = Create("acme", UserJson("bob", R"({"employeeId":"e1"})"));
  ASSERT_FALSE(bob.ok());
  EXPECT_EQ(bob.status().code(), absl::StatusCode::kAlreadyExists) << bob.status();
  EXPECT_NE(bob.status().message().find("employeeId"), std::string::npos) << bob.status();
  // Per tenant: globex may use it.
  EXPECT_TRUE(Create("globex", UserJson("bob", R"({"employeeId":"E1"})")).ok());
  // A value given up is free again.
  std::vector<PatchOp> ops = {{"replace", absl::StrCat(kUrn, ":employeeId"), "E2"}};
  v1::User out;
  ASSERT_TRUE(Store("acme")->Patch(UserResourceType(), "acme", *ann, "", ops, &out, ctx_).ok());
  EXPECT_TRUE(Create("acme", UserJson("bob", R"({"employeeId":"E1"})")).ok());
  EXPECT_FALSE(Create("acme", UserJson("cy", R"({"employeeId":"E2"})")).ok());
  // Users without a value are many.
  EXPECT_TRUE(Create("acme", UserJson("dee", R"({"costCenter":"1"})")).ok());
  EXPECT_TRUE(Create("acme", UserJson("eve", R"({"costCenter":"1"})")).ok());
}

TEST_P(TenantStoresTest, MakingAnAttributeWithStoredValuesUniqueIsRefused) {
  ASSERT_TRUE(Create("acme", UserJson("ann", R"({"costCenter":"42"})")).ok());
  auto put = schemas_->Put(
      "acme", SchemaWith(R"({"name":"costCenter","type":"string","uniqueness":"server"})"), ctx_);
  ASSERT_FALSE(put.ok());
  EXPECT_EQ(put.status().code(), absl::StatusCode::kFailedPrecondition) << put.status();
  EXPECT_NE(put.status().message().find("now unique"), std::string::npos) << put.status();
  // A new attribute has no stored values: it may be unique at once.
  EXPECT_TRUE(schemas_->Put("acme", SchemaWith(R"({"name":"costCenter","type":"string"},
      {"name":"badgeId","type":"string","uniqueness":"server"})"), ctx_).ok());
}

// The ids a filter finds, sorted.
std::vector<std::string> Ids(ResourceStore& store, const std::string& filter) {
  v1::ListRequest request;
  request.set_filter(filter);
  ListResult result;
  const absl::Status s = store.List(UserResourceType(), "acme", request, &result);
  EXPECT_TRUE(s.ok()) << s;
  std::vector<std::string> ids;
  for (const auto& r : result.resources) ids.push_back(static_cast<const v1::User&>(*r).id());
  std::sort(ids.begin(), ids.end());
  return ids;
}

TEST_P(TenantStoresTest, AnIndexedCustomAttributeIsBuiltThenUsedThenDropped) {
  const std::string path = absl::StrCat(kUrn, ":badgeId");
  const std::string filter = absl::StrCat(path, " eq \"b-1\"");
  ASSERT_TRUE(schemas_->Put("acme", SchemaWith(R"({"name":"badgeId","type":"string"})"), ctx_).ok());
  auto ann = Create("acme", UserJson("ann", R"({"badgeId":"B-1"})"));
  ASSERT_TRUE(ann.ok());
  ASSERT_TRUE(Create("acme", UserJson("bob", R"({"badgeId":"b-2"})")).ok());
  // Declared indexed: until built, the filter scans (and is right).
  ASSERT_TRUE(schemas_->Put(
      "acme", SchemaWith(R"({"name":"badgeId","type":"string","indexed":true})"), ctx_).ok());
  auto store = Store("acme");
  EXPECT_EQ(Ids(*store, filter), std::vector<std::string>{*ann});
  auto built = store->BuildTenantIndexes("acme", /*batch=*/1);
  ASSERT_TRUE(built.ok()) << built.status();
  EXPECT_EQ(*built, 2);
  // Built once: nothing more to do.
  EXPECT_EQ(*store->BuildTenantIndexes("acme"), 0);
  const std::string entries = AttributeKeyPrefix("acme", "User", path);
  auto count = [&] {
    int n = 0;
    EXPECT_TRUE(kv_->Scan(kIndexCf, entries, "", [&](absl::string_view, absl::string_view) {
                       ++n;
                       return true;
                     })
                    .ok());
    return n;
  };
  EXPECT_EQ(count(), 2);
  // A write now keeps its entries; the filter reads them: with ann's entry
  // taken away, the filter no longer finds her (a scan would).
  auto cy = Create("acme", UserJson("cy", R"({"badgeId":"b-1"})"));
  ASSERT_TRUE(cy.ok());
  EXPECT_EQ(count(), 3);
  std::vector<std::string> expected = {*ann, *cy};
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(Ids(*store, filter), expected);
  std::string ann_entry;
  ASSERT_TRUE(kv_->Scan(kIndexCf, entries, "", [&](absl::string_view key, absl::string_view) {
                   if (absl::EndsWith(key, *ann)) ann_entry = std::string(key);
                   return true;
                 })
                  .ok());
  ASSERT_FALSE(ann_entry.empty());
  {
    auto txn = kv_->BeginTransaction();
    ASSERT_TRUE(txn->Delete(kIndexCf, ann_entry).ok());
    ASSERT_TRUE(txn->Commit().ok());
  }
  EXPECT_EQ(Ids(*store, filter), std::vector<std::string>{*cy});
  // Another tenant's index is its own: no marker, no entries.
  auto marker = kv_->Get(kIndexCf, TenantIndexReadyKey("globex", "User", path));
  ASSERT_TRUE(marker.ok());
  EXPECT_FALSE(marker->has_value());
  // No longer indexed: entries and marker go, the filter scans again.
  ASSERT_TRUE(schemas_->Put("acme", SchemaWith(R"({"name":"badgeId","type":"string"})"), ctx_).ok());
  ASSERT_TRUE(Store("acme")->BuildTenantIndexes("acme").ok());
  EXPECT_EQ(count(), 0);
  EXPECT_EQ(Ids(*Store("acme"), filter), expected);
}

TEST_P(TenantStoresTest, TheBuilderWaitsForRequestsOnEarlierSchemas) {
  auto held = Store("acme");  // a request on the schema as it is
  TenantIndexBuilder builder(stores_.get(), schemas_.get(), Clock::Real());
  schemas_->set_changed_hook([&](const std::string& t) { builder.Schedule(t); });
  ASSERT_TRUE(Create("acme", UserJson("ann", R"({"costCenter":"7"})")).ok());
  builder.Start();  // the start-up pass: acme has schemas
  const std::string path = absl::StrCat(kUrn, ":costCenter");
  std::string schema = kSchema;
  schema.replace(schema.find(R"("type": "string"})"), 0, R"("indexed": true, )");
  ASSERT_TRUE(schemas_->Put("acme", schema, ctx_).ok());
  // The new schema's store is made on the next request; `held` is earlier.
  auto current = Store("acme");
  ASSERT_NE(current.get(), held.get());
  const auto marker = [&] {
    auto m = kv_->Get(kIndexCf, TenantIndexReadyKey("acme", "User", path));
    return m.ok() && m->has_value();
  };
  for (int i = 0; i < 500 && builder.deferrals() < 3; ++i) absl::SleepFor(absl::Milliseconds(10));
  EXPECT_GE(builder.deferrals(), 3);
  EXPECT_FALSE(marker()) << "built while a request on the earlier schema ran";
  std::weak_ptr<ResourceStore> watch = held;
  held.reset();
  EXPECT_TRUE(watch.expired()) << watch.use_count();
  for (int i = 0; i < 500 && !marker(); ++i) absl::SleepFor(absl::Milliseconds(10));
  EXPECT_TRUE(marker()) << "builds " << builder.builds() << ", deferrals " << builder.deferrals()
                        << ", earlier released " << stores_->EarlierReleased("acme");
  EXPECT_EQ(Ids(*current, absl::StrCat(path, " eq \"7\"")).size(), 1u);
  builder.Stop();
}

INSTANTIATE_TEST_SUITE_P(AllStores, TenantStoresTest, AllKvStores(), KvStoreName);

}  // namespace
}  // namespace scim::identity
