// TenantSchemas over both KvStores: put, get, list, delete, versions,
// evolution refusals with counts against stored resources, hidden
// attributes, tenant isolation, limits and the audit events.
#include "identity-service/tenant_schemas.h"

#include <memory>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/clock.h"
#include "common/random.h"
#include "common/status.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "identity-service/keys.h"
#include "identity-service/schema_evolution.h"
#include "scim/v1/resources.pb.h"
#include "storage/kv_store_test_params.h"

namespace scim::identity {
namespace {

constexpr char kUrn[] = "urn:ietf:params:scim:schemas:extension:Acme:2.0:User";

std::string Doc(const std::string& attributes, const std::string& urn = kUrn,
                const std::string& type = "User") {
  return absl::StrCat(R"({"id":")", urn, R"(","name":"Acme","resourceType":")", type,
                      R"(","attributes":[)", attributes, "]}");
}

class TenantSchemasTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    const absl::Status opened = kv_.Open(GetParam(), ColumnFamilies());
    ASSERT_TRUE(opened.ok()) << opened;
    outbox_ = std::make_unique<audit::Outbox>(kv_.get(), kOutboxCf);
    schemas_ = std::make_unique<TenantSchemas>(kv_.get(), outbox_.get(),
                                               Runtime{&clock_, &random_}, options_);
  }
  void TearDown() override {
    schemas_.reset();
    outbox_.reset();
    kv_.Close();
  }

  absl::StatusOr<PutSchemaResult> Put(const std::string& tenant, const std::string& doc) {
    return schemas_->Put(tenant, doc, who_);
  }

  // A stored user of `tenant` whose values under kUrn are `extension` (JSON
  // object; empty: none).
  void StoreUser(const std::string& tenant, const std::string& id, const std::string& extension,
                 const std::string& type = "User") {
    v1::User user;
    user.set_id(id);
    user.set_user_name(id);
    if (!extension.empty()) {
      google::protobuf::Struct s;
      ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(extension, &s).ok()) << extension;
      (*user.mutable_extensions())[kUrn] = s;
    }
    auto txn = kv_->BeginTransaction();
    ASSERT_TRUE(txn->Put(kResourcesCf, ResourceKey(tenant, type, id), user.SerializeAsString())
                    .ok());
    ASSERT_TRUE(txn->Commit().ok());
  }

  std::vector<v1::AuditEvent> Events() {
    std::vector<std::string> keys;
    std::vector<v1::AuditEvent> events;
    EXPECT_TRUE(outbox_->Peek(1000, &keys, &events, true).ok());
    return events;
  }

  FakeClock clock_;
  FakeRandom random_;
  TenantSchemasOptions options_;
  audit::EventContext who_{"key-1", "10.0.0.1", "req-1"};
  TestKvStore kv_;
  std::unique_ptr<audit::Outbox> outbox_;
  std::unique_ptr<TenantSchemas> schemas_;
};

TEST_P(TenantSchemasTest, PutsGetsListsAndDeletes) {
  EXPECT_EQ(*schemas_->Version("acme"), 0u);
  auto put = Put("acme", Doc(R"({"name":"costCenter","type":"string","indexed":true})"));
  ASSERT_TRUE(put.ok()) << put.status();
  EXPECT_EQ(put->urn, kUrn);
  EXPECT_EQ(put->version, 1u);
  EXPECT_TRUE(put->changed);
  EXPECT_EQ(*schemas_->Version("acme"), 1u);

  auto got = schemas_->Get("acme", absl::AsciiStrToUpper(kUrn));  // case-insensitive
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->urn(), kUrn);
  EXPECT_EQ(got->tenant(), "acme");
  EXPECT_EQ(got->resource_type(), "User");
  EXPECT_EQ(got->version(), 1u);
  EXPECT_EQ(got->created().seconds(), 1700000000);
  ASSERT_NE(FindField(*got, "costCenter"), nullptr);
  EXPECT_EQ(FindField(*got, "costCenter")->number(), 1);

  // Served as /Schemas/{urn} would, plus what puts it back.
  v1::TenantSchema visible = TenantSchemas::Visible(*got);
  Json served = Json::parse(visible.schema_json());
  EXPECT_EQ(served["schemas"][0], kSchemaSchemaUrn);
  EXPECT_EQ(served["id"], kUrn);
  EXPECT_EQ(served["attributes"][0]["indexed"], true);
  EXPECT_EQ(served["meta"]["resourceType"], "Schema");
  EXPECT_EQ(served["meta"]["version"], "W/\"1\"");
  EXPECT_EQ(served["meta"]["created"], "2023-11-14T22:13:20Z");
  EXPECT_EQ(served["meta"]["location"], absl::StrCat("/t/acme/scim/v2/Schemas/", kUrn));
  EXPECT_EQ(visible.name(), "Acme");
  auto again = Put("acme", visible.schema_json());
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_FALSE(again->changed);  // the same document: nothing written
  EXPECT_EQ(again->version, 1u);

  ASSERT_TRUE(Put("acme", Doc(R"({"name":"region","type":"string"})", "urn:acme:Group:1",
                              "Group")).ok());
  auto list = schemas_->List("acme");
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].urn(), "urn:acme:Group:1");  // by lower-cased URN
  EXPECT_EQ((*list)[1].urn(), kUrn);

  clock_.Advance(absl::Minutes(1));
  auto deleted = schemas_->Delete("acme", kUrn, who_);
  ASSERT_TRUE(deleted.ok()) << deleted.status();
  EXPECT_EQ(*deleted, 3u);
  EXPECT_EQ(*schemas_->Version("acme"), 3u);
  EXPECT_TRUE(absl::IsNotFound(schemas_->Get("acme", kUrn).status()));
  EXPECT_TRUE(absl::IsNotFound(schemas_->Delete("acme", kUrn, who_).status()));
  EXPECT_TRUE(absl::IsNotFound(schemas_->Delete("acme", "urn:never:was", who_).status()));
  EXPECT_EQ(schemas_->List("acme")->size(), 1u);

  // Put back: the same field numbers, created kept.
  auto back = Put("acme", Doc(R"({"name":"costCenter","type":"string","indexed":true})"));
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_TRUE(back->changed);
  EXPECT_EQ(back->version, 4u);
  got = schemas_->Get("acme", kUrn);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(FindField(*got, "costCenter")->number(), 1);
  EXPECT_EQ(got->created().seconds(), 1700000000);
  EXPECT_EQ(got->updated().seconds(), 1700000060);
}

TEST_P(TenantSchemasTest, EveryChangeIsAudited) {
  ASSERT_TRUE(Put("acme", Doc(R"({"name":"a","type":"string"})")).ok());
  ASSERT_TRUE(Put("acme", Doc(R"({"name":"a","type":"string"})")).ok());  // no-op: no event
  ASSERT_TRUE(Put("acme", Doc(R"({"name":"b","type":"string"})")).ok());
  ASSERT_TRUE(schemas_->Delete("acme", kUrn, who_).ok());
  EXPECT_FALSE(Put("acme", "{").ok());  // refused: no event
  std::vector<v1::AuditEvent> events = Events();
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].operation(), "schema.create");
  EXPECT_EQ(events[0].tenant(), "acme");
  EXPECT_EQ(events[0].resource_type(), "Schema");
  EXPECT_EQ(events[0].resource_id(), kUrn);
  EXPECT_EQ(events[0].actor(), "key-1");
  EXPECT_EQ(events[0].request_id(), "req-1");
  EXPECT_EQ(events[1].operation(), "schema.update");
  EXPECT_EQ(std::vector<std::string>(events[1].changed_attributes().begin(),
                                     events[1].changed_attributes().end()),
            (std::vector<std::string>{"b", "a"}));
  EXPECT_EQ(events[2].operation(), "schema.delete");
}

TEST_P(TenantSchemasTest, TenantsNeverSeeEachOthersSchemas) {
  ASSERT_TRUE(Put("acme", Doc(R"({"name":"a","type":"string"})")).ok());
  EXPECT_TRUE(absl::IsNotFound(schemas_->Get("beta", kUrn).status()));
  EXPECT_TRUE(schemas_->List("beta")->empty());
  EXPECT_EQ(*schemas_->Version("beta"), 0u);
  EXPECT_TRUE(absl::IsNotFound(schemas_->Delete("beta", kUrn, who_).status()));
  // A tenant whose name extends another's shares nothing with it.
  EXPECT_TRUE(schemas_->List("acme-2")->empty());
  // The same URN is each tenant's own.
  auto beta = Put("beta", Doc(R"({"name":"a","type":"integer"})"));
  ASSERT_TRUE(beta.ok()) << beta.status();
  EXPECT_EQ(beta->version, 1u);
  EXPECT_EQ(schemas_->Get("acme", kUrn)->resource_type(), "User");
  EXPECT_NE(schemas_->Get("beta", kUrn)->document_json().find("integer"), std::string::npos);
  EXPECT_EQ(schemas_->Get("acme", kUrn)->document_json().find("integer"), std::string::npos);
  // Removing one tenant leaves the other, and its version still moves on.
  ASSERT_TRUE(schemas_->RemoveTenant("acme").ok());
  EXPECT_TRUE(schemas_->List("acme")->empty());
  EXPECT_EQ(*schemas_->Version("acme"), 2u);
  EXPECT_EQ(schemas_->List("beta")->size(), 1u);
  EXPECT_EQ(Put("acme", Doc(R"({"name":"a","type":"string"})"))->version, 3u);
}

TEST_P(TenantSchemasTest, RefusesBadArguments) {
  EXPECT_EQ(Put("Not A Tenant", Doc(R"({"name":"a","type":"string"})")).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(schemas_->List("a/b").status().code(), absl::StatusCode::kInvalidArgument);
  auto bad = Put("acme", Doc(R"({"name":"a b","type":"string"})"));
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("not an attribute name"), std::string::npos);
  EXPECT_EQ(*schemas_->Version("acme"), 0u);
}

TEST_P(TenantSchemasTest, RefusesOverlappingUrnsAndTooMany) {
  ASSERT_TRUE(Put("acme", Doc(R"({"name":"a","type":"string"})", "urn:acme:hr")).ok());
  auto overlap = Put("acme", Doc(R"({"name":"a","type":"string"})", "urn:acme:HR:User"));
  EXPECT_EQ(overlap.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(overlap.status().message().find("overlaps"), std::string::npos) << overlap.status();
  EXPECT_TRUE(Put("acme", Doc(R"({"name":"a","type":"string"})", "urn:acme:hrx")).ok());

  options_.max_per_tenant = 3;
  options_.max_records_per_tenant = 4;
  schemas_ = std::make_unique<TenantSchemas>(kv_.get(), outbox_.get(),
                                             Runtime{&clock_, &random_}, options_);
  ASSERT_TRUE(Put("acme", Doc(R"({"name":"a","type":"string"})", "urn:x:3")).ok());
  auto full = Put("acme", Doc(R"({"name":"a","type":"string"})", "urn:x:4"));
  EXPECT_EQ(full.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ScimTypeOf(full.status()), scim_type::kTooMany);
  // Evolving one at the limit is fine.
  EXPECT_TRUE(Put("acme", Doc(R"({"name":"b","type":"string"})", "urn:x:3")).ok());
  ASSERT_TRUE(schemas_->Delete("acme", "urn:x:3", who_).ok());
  ASSERT_TRUE(Put("acme", Doc(R"({"name":"a","type":"string"})", "urn:x:4")).ok());
  // Four records now (one deleted): a fifth is refused, a deleted one may
  // come back.
  ASSERT_TRUE(schemas_->Delete("acme", "urn:x:4", who_).ok());
  auto fifth = Put("acme", Doc(R"({"name":"a","type":"string"})", "urn:x:5"));
  EXPECT_EQ(fifth.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(fifth.status().message().find("deleted ones included"), std::string::npos);
  EXPECT_TRUE(Put("acme", Doc(R"({"name":"a","type":"string"})", "urn:x:3")).ok());
}

TEST_P(TenantSchemasTest, EvolutionIsRefusedWhileStoredDataContradictsIt) {
  ASSERT_TRUE(Put("acme", Doc(R"({"name":"costCenter","type":"string"},
                                 {"name":"tags","type":"string","multiValued":true},
                                 {"name":"badge","type":"integer"})"))
                  .ok());
  StoreUser("acme", "u1", R"({"costCenter":"42","tags":["a"],"badge":7})");
  StoreUser("acme", "u2", R"({"costCenter":"x42","tags":["a","b"]})");
  StoreUser("acme", "u3", R"({"costCenter":"43"})");
  StoreUser("acme", "u4", "");  // no extension: contradicts nothing
  // Another tenant's and another type's resources do not count.
  StoreUser("beta", "b1", R"({"costCenter":"nope","tags":["a","b"]})");
  StoreUser("acme", "g1", R"({"costCenter":"nope"})", "Group");

  auto refused = Put("acme", Doc(R"({"name":"costCenter","type":"integer"},
                                    {"name":"tags","type":"string"},
                                    {"name":"badge","type":"integer","required":true})"));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ScimTypeOf(refused.status()), scim_type::kInvalidValue);
  const std::string detail(refused.status().message());
  EXPECT_NE(detail.find("costCenter (type string -> integer): 3 stored Users contradict it"),
            std::string::npos)
      << detail;
  EXPECT_NE(detail.find("tags (multi-valued -> single-valued): 2 stored Users contradict it"),
            std::string::npos)
      << detail;
  EXPECT_NE(detail.find("badge (now required): 2 stored Users contradict it"), std::string::npos)
      << detail;
  EXPECT_EQ(*schemas_->Version("acme"), 1u);  // nothing written

  // Once the data agrees, the same change goes through.
  StoreUser("acme", "u1", R"({"costCenter":42,"tags":"a","badge":7})");
  StoreUser("acme", "u2", R"({"costCenter":1,"badge":8})");
  StoreUser("acme", "u3", R"({"costCenter":43,"badge":9})");
  auto accepted = Put("acme", Doc(R"({"name":"costCenter","type":"integer"},
                                     {"name":"tags","type":"string"},
                                     {"name":"badge","type":"integer","required":true})"));
  ASSERT_TRUE(accepted.ok()) << accepted.status();
  EXPECT_EQ(accepted->version, 2u);
  // The type change gave costCenter a new number.
  EXPECT_EQ(FindField(*schemas_->Get("acme", kUrn), "costCenter")->number(), 4);
}

TEST_P(TenantSchemasTest, CountsAtLeastWhenTheScanIsCapped) {
  ASSERT_TRUE(Put("acme", Doc(R"({"name":"a","type":"string"})")).ok());
  for (int i = 0; i < 5; ++i) StoreUser("acme", absl::StrCat("u", i), R"({"a":"x"})");
  options_.max_evolution_scan = 3;
  schemas_ = std::make_unique<TenantSchemas>(kv_.get(), outbox_.get(),
                                             Runtime{&clock_, &random_}, options_);
  auto refused = Put("acme", Doc(R"({"name":"a","type":"boolean"})"));
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("at least 3 stored Users"), std::string::npos)
      << refused.status();
}

TEST_P(TenantSchemasTest, RemovedAttributesAreHiddenAndComeBack) {
  ASSERT_TRUE(Put("acme", Doc(R"({"name":"a","type":"string"},{"name":"b","type":"string"})"))
                  .ok());
  StoreUser("acme", "u1", R"({"a":"kept","b":"x"})");
  ASSERT_TRUE(Put("acme", Doc(R"({"name":"b","type":"string"})")).ok());
  auto got = schemas_->Get("acme", kUrn);
  ASSERT_TRUE(got.ok());
  ASSERT_EQ(got->hidden_attributes_size(), 1);
  EXPECT_EQ(got->hidden_attributes(0).name(), "a");
  EXPECT_EQ(TenantSchemas::Visible(*got).hidden_attributes(0), "a");
  EXPECT_EQ(Json::parse(TenantSchemas::Visible(*got).schema_json())["attributes"].size(), 1u);
  // The kept value contradicts another type: refused, naming it hidden.
  auto retyped = Put("acme", Doc(R"({"name":"a","type":"integer"},{"name":"b","type":"string"})"));
  ASSERT_FALSE(retyped.ok());
  EXPECT_NE(retyped.status().message().find("hidden, put back with type string -> integer"),
            std::string::npos)
      << retyped.status();
  // With its type it comes back, number and all.
  ASSERT_TRUE(Put("acme", Doc(R"({"name":"a","type":"string"},{"name":"b","type":"string"})"))
                  .ok());
  got = schemas_->Get("acme", kUrn);
  EXPECT_EQ(got->hidden_attributes_size(), 0);
  EXPECT_EQ(FindField(*got, "a")->number(), 1);
  EXPECT_EQ(FindField(*got, "b")->number(), 2);
}

TEST_P(TenantSchemasTest, RefusesChangingTheExtendedResourceType) {
  ASSERT_TRUE(Put("acme", Doc(R"({"name":"a","type":"string"})")).ok());
  auto moved = Put("acme", Doc(R"({"name":"a","type":"string"})", kUrn, "Group"));
  EXPECT_EQ(moved.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ScimTypeOf(moved.status()), scim_type::kMutability);
}

TEST_P(TenantSchemasTest, LoadsParsedSchemasAtOneVersion) {
  ASSERT_TRUE(Put("acme", Doc(R"({"name":"a","type":"string","indexed":true})")).ok());
  ASSERT_TRUE(Put("acme", Doc(R"({"name":"r","type":"string"})", "urn:acme:g", "Group")).ok());
  ASSERT_TRUE(schemas_->Delete("acme", "urn:acme:g", who_).ok());
  auto set = schemas_->Load("acme");
  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_EQ(set->version, 3u);
  ASSERT_EQ(set->schemas.size(), 1u);
  EXPECT_EQ(set->schemas[0].schema.resource_type, "User");
  EXPECT_TRUE(set->schemas[0].schema.schema.Find("a")->indexed);
  EXPECT_EQ(FindField(set->schemas[0].record, "a")->number(), 1);
  EXPECT_EQ(schemas_->Load("beta")->version, 0u);
}

INSTANTIATE_TEST_SUITE_P(AllStores, TenantSchemasTest, AllKvStores(), KvStoreName);

}  // namespace
}  // namespace scim::identity
