// SchemaService over a real (in-process) gRPC server: the admin token or the
// tenant's own credential, never another tenant's; documents in and out as
// JSON text; errors with their codes.
#include "identity-service/schema_service.h"

#include <chrono>
#include <memory>

#include "absl/strings/str_cat.h"
#include "common/admin_token.h"
#include "common/server.h"
#include "common/status.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "identity-service/keys.h"

namespace scim::identity {
namespace {

constexpr char kDoc[] = R"({"id":"urn:acme:hr:2.0:User","resourceType":"User","attributes":[
  {"name":"costCenter","type":"string"}]})";

class SchemaServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    kv_ = NewMemoryKvStore(ColumnFamilies());
    outbox_ = std::make_unique<audit::Outbox>(kv_.get(), kOutboxCf);
    schemas_ = std::make_unique<TenantSchemas>(kv_.get(), outbox_.get(),
                                               Runtime{&clock_, &random_});
    // The admin token, or "key-<tenant>" for that tenant; "reader-<tenant>"
    // (a setup link's console) may read only.
    auto rule = [](bool read) {
      return [read](const grpc::ServerContext& context, const std::string& tenant) {
        const std::string bearer = BearerFromMetadata(context);
        if (bearer == "admin" || bearer == "key-" + tenant) return absl::OkStatus();
        if (read && bearer == "reader-" + tenant) return absl::OkStatus();
        return ScimError(absl::StatusCode::kPermissionDenied, "", "not this tenant");
      };
    };
    service_ = std::make_unique<SchemaServiceImpl>(schemas_.get(), rule(false), rule(true));
    int port = 0;
    auto server = StartGrpcServer("127.0.0.1:0", {service_.get()}, &port);
    ASSERT_TRUE(server.ok());
    server_ = std::move(*server);
    stub_ = v1::SchemaService::NewStub(server_->InProcessChannel(grpc::ChannelArguments()));
  }
  void TearDown() override { server_->Shutdown(); }

  std::unique_ptr<grpc::ClientContext> As(const std::string& bearer) {
    auto context = std::make_unique<grpc::ClientContext>();
    context->AddMetadata("authorization", "Bearer " + bearer);
    context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    return context;
  }

  grpc::Status Put(const std::string& bearer, const std::string& tenant, const std::string& doc,
                   v1::PutSchemaResponse* response) {
    v1::PutSchemaRequest request;
    request.set_tenant(tenant);
    request.set_schema_json(doc);
    return stub_->PutSchema(As(bearer).get(), request, response);
  }

  FakeClock clock_;
  FakeRandom random_;
  std::unique_ptr<KvStore> kv_;
  std::unique_ptr<audit::Outbox> outbox_;
  std::unique_ptr<TenantSchemas> schemas_;
  std::unique_ptr<SchemaServiceImpl> service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<v1::SchemaService::Stub> stub_;
};

TEST_F(SchemaServiceTest, TheTenantManagesItsOwnSchemas) {
  v1::PutSchemaResponse put;
  ASSERT_TRUE(Put("key-acme", "acme", kDoc, &put).ok());
  EXPECT_EQ(put.urn(), "urn:acme:hr:2.0:User");
  EXPECT_EQ(put.version(), 1u);
  EXPECT_TRUE(put.changed());

  v1::ListSchemasRequest list;
  list.set_tenant("acme");
  v1::ListSchemasResponse listed;
  ASSERT_TRUE(stub_->ListSchemas(As("admin").get(), list, &listed).ok());
  ASSERT_EQ(listed.schemas_size(), 1);
  EXPECT_EQ(listed.schemas(0).urn(), "urn:acme:hr:2.0:User");
  EXPECT_EQ(listed.version(), 1u);

  v1::GetSchemaRequest get;
  get.set_tenant("acme");
  get.set_urn("URN:ACME:HR:2.0:USER");
  v1::TenantSchema schema;
  ASSERT_TRUE(stub_->GetSchema(As("key-acme").get(), get, &schema).ok());
  Json served = Json::parse(schema.schema_json());
  EXPECT_EQ(served["attributes"][0]["name"], "costCenter");
  EXPECT_EQ(served["attributes"][0]["type"], "string");
  EXPECT_EQ(schema.resource_type(), "User");

  v1::DeleteSchemaRequest del;
  del.set_tenant("acme");
  del.set_urn(get.urn());
  v1::DeleteSchemaResponse deleted;
  ASSERT_TRUE(stub_->DeleteSchema(As("key-acme").get(), del, &deleted).ok());
  EXPECT_EQ(deleted.version(), 2u);
  EXPECT_EQ(stub_->GetSchema(As("key-acme").get(), get, &schema).error_code(),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(stub_->DeleteSchema(As("key-acme").get(), del, &deleted).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_F(SchemaServiceTest, AReadOnlyCredentialReadsButCannotChange) {
  v1::PutSchemaResponse put;
  ASSERT_TRUE(Put("key-acme", "acme", kDoc, &put).ok());
  EXPECT_EQ(Put("reader-acme", "acme", kDoc, &put).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  v1::ListSchemasRequest list;
  list.set_tenant("acme");
  v1::ListSchemasResponse listed;
  ASSERT_TRUE(stub_->ListSchemas(As("reader-acme").get(), list, &listed).ok());
  EXPECT_EQ(listed.schemas_size(), 1);
  v1::GetSchemaRequest get;
  get.set_tenant("acme");
  get.set_urn("urn:acme:hr:2.0:User");
  v1::TenantSchema schema;
  EXPECT_TRUE(stub_->GetSchema(As("reader-acme").get(), get, &schema).ok());
  v1::DeleteSchemaRequest del;
  del.set_tenant("acme");
  del.set_urn(get.urn());
  v1::DeleteSchemaResponse deleted;
  EXPECT_EQ(stub_->DeleteSchema(As("reader-acme").get(), del, &deleted).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(stub_->ListSchemas(As("reader-beta").get(), list, &listed).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(SchemaServiceTest, AnotherTenantsCredentialIsRefusedEverywhere) {
  v1::PutSchemaResponse put;
  ASSERT_TRUE(Put("key-acme", "acme", kDoc, &put).ok());
  EXPECT_EQ(Put("key-beta", "acme", kDoc, &put).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  v1::ListSchemasRequest list;
  list.set_tenant("acme");
  v1::ListSchemasResponse listed;
  EXPECT_EQ(stub_->ListSchemas(As("key-beta").get(), list, &listed).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  v1::GetSchemaRequest get;
  get.set_tenant("acme");
  get.set_urn("urn:acme:hr:2.0:User");
  v1::TenantSchema schema;
  EXPECT_EQ(stub_->GetSchema(As("key-beta").get(), get, &schema).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  v1::DeleteSchemaRequest del;
  del.set_tenant("acme");
  del.set_urn(get.urn());
  v1::DeleteSchemaResponse deleted;
  EXPECT_EQ(stub_->DeleteSchema(As("key-beta").get(), del, &deleted).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  // Its own tenant sees nothing of acme's.
  list.set_tenant("beta");
  ASSERT_TRUE(stub_->ListSchemas(As("key-beta").get(), list, &listed).ok());
  EXPECT_EQ(listed.schemas_size(), 0);
  get.set_tenant("beta");
  EXPECT_EQ(stub_->GetSchema(As("key-beta").get(), get, &schema).error_code(),
            grpc::StatusCode::NOT_FOUND);
  // acme's schema is untouched.
  get.set_tenant("acme");
  EXPECT_TRUE(stub_->GetSchema(As("admin").get(), get, &schema).ok());
}

TEST_F(SchemaServiceTest, ErrorsKeepTheirCodeAndScimType) {
  v1::PutSchemaResponse put;
  grpc::Status s = Put("admin", "acme", R"({"id":"urn:acme:x","resourceType":"User",
                                           "attributes":[{"name":"a","type":"texte"}]})",
                       &put);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(s.error_message().find("\"type\" must be one of"), std::string::npos);
  EXPECT_EQ(ScimTypeOf(FromGrpcStatus(s)), scim_type::kInvalidValue);
  ASSERT_TRUE(Put("admin", "acme", kDoc, &put).ok());
  s = Put("admin", "acme", R"({"id":"urn:acme:hr:2.0:User","resourceType":"Group",
                              "attributes":[{"name":"costCenter","type":"string"}]})",
          &put);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(ScimTypeOf(FromGrpcStatus(s)), scim_type::kMutability);
}

}  // namespace
}  // namespace scim::identity
