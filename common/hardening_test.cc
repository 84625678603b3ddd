// What common/ does against curious and careless deployments: no gRPC
// reflection unless asked for, no admin token that other users can read.
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "common/admin_token.h"
#include "common/key_encryption.h"
#include "common/signing_key.h"
#include "common/random.h"
#include "common/server.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/generic/generic_stub.h"
#include "gtest/gtest.h"
#include "scim/v1/token.grpc.pb.h"

namespace scim {
namespace {

// Asks `port` to list its services over server reflection, as grpcurl does:
// one ServerReflectionRequest{list_services: ""} (field 7, hand-encoded: no
// generated reflection stubs are linked).
grpc::Status ListServices(int port, std::string* answer) {
  auto channel = grpc::CreateChannel(absl::StrCat("127.0.0.1:", port),
                                     grpc::InsecureChannelCredentials());
  grpc::GenericStub stub(channel);
  const char request_bytes[] = {0x3a, 0x00};
  grpc::Slice slice(request_bytes, sizeof(request_bytes));
  grpc::ByteBuffer request(&slice, 1), response;
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  grpc::Status status;
  absl::Notification done;
  stub.UnaryCall(&context,
                 "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
                 grpc::StubOptions(), &request, &response, [&](grpc::Status s) {
                   status = std::move(s);
                   done.Notify();
                 });
  done.WaitForNotification();
  std::vector<grpc::Slice> slices;
  if (status.ok() && response.Dump(&slices).ok()) {
    for (const auto& s : slices) answer->append(s.begin(), s.end());
  }
  return status;
}

// Off (the default), then on, then off again in the same process: gRPC's
// reflection plugin is process-wide once loaded, the option is per server.
TEST(GrpcReflectionTest, OffByDefaultOnWhenAsked) {
  EXPECT_FALSE(absl::GetFlag(FLAGS_grpc_reflection));
  // Any service will do (its RPCs answer UNIMPLEMENTED): gRPC will not start
  // a server that has none.
  v1::TokenService::Service service;
  int port = 0;
  auto plain = StartGrpcServer("127.0.0.1:0", {&service}, &port);
  ASSERT_TRUE(plain.ok()) << plain.status();
  std::string answer;
  EXPECT_EQ(ListServices(port, &answer).error_code(), grpc::StatusCode::UNIMPLEMENTED);
  (*plain)->Shutdown();

  auto reflecting = StartGrpcServer("127.0.0.1:0", {&service}, &port,
                                    grpc::InsecureServerCredentials(), true);
  ASSERT_TRUE(reflecting.ok()) << reflecting.status();
  grpc::Status s = ListServices(port, &answer);
  EXPECT_TRUE(s.ok()) << s.error_message();
  EXPECT_NE(answer.find("scim.v1.TokenService"), std::string::npos);
  (*reflecting)->Shutdown();

  auto again = StartGrpcServer("127.0.0.1:0", {&service}, &port);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(ListServices(port, &answer).error_code(), grpc::StatusCode::UNIMPLEMENTED);
  (*again)->Shutdown();
}

class AdminTokenFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           absl::StrCat("admin_token_test_", getpid(), "_",
                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    path_ = (dir_ / "admin.token").string();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  void Write(mode_t mode) {
    std::ofstream(path_) << "scimadm_existing\n";
    ASSERT_EQ(chmod(path_.c_str(), mode), 0);
  }

  std::filesystem::path dir_;
  std::string path_;
};

TEST_F(AdminTokenFileTest, CreatedPrivateAndReadBack) {
  auto made = LoadOrCreateAdminToken(path_, *RandomSource::Secure());
  ASSERT_TRUE(made.ok()) << made.status();
  struct stat st;
  ASSERT_EQ(stat(path_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto again = LoadOrCreateAdminToken(path_, *RandomSource::Secure());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *made);
}

TEST_F(AdminTokenFileTest, RefusesModesOthersCanReadOrWrite) {
  for (mode_t mode : {0644, 0604, 0640, 0660, 0620, 0666, 0602}) {
    Write(mode);
    auto token = LoadOrCreateAdminToken(path_, *RandomSource::Secure());
    EXPECT_EQ(token.status().code(), absl::StatusCode::kFailedPrecondition)
        << std::oct << mode;
    EXPECT_NE(token.status().message().find("chmod"), absl::string_view::npos);
  }
  for (mode_t mode : {0600, 0400}) {
    Write(mode);
    EXPECT_TRUE(LoadOrCreateAdminToken(path_, *RandomSource::Secure()).ok())
        << std::oct << mode;
  }
}

// A Kubernetes Secret mounted with fsGroup: owned by root (here: another
// user), group = the pod's group, mode 0440. The process reads it through
// its group; nobody else can.
TEST_F(AdminTokenFileTest, AcceptsAGroupReadableFileOwnedByAnotherUser) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to give the file away";
  Write(0440);
  ASSERT_EQ(chown(path_.c_str(), 65534, getegid()), 0);
  EXPECT_TRUE(LoadOrCreateAdminToken(path_, *RandomSource::Secure()).ok());
  ASSERT_EQ(chmod(path_.c_str(), 0444), 0);
  EXPECT_FALSE(LoadOrCreateAdminToken(path_, *RandomSource::Secure()).ok());
}

TEST(KeyEncryptionTest, SealsOpensAndDetectsTampering) {
  auto kek = KeyEncryption::FromKey(std::string(32, 'k'));
  ASSERT_TRUE(kek.ok());
  const std::string secret = RandomSource::Secure()->Bytes(32);
  const std::string sealed = (*kek)->Seal(secret, *RandomSource::Secure());
  EXPECT_TRUE(KeyEncryption::IsSealed(sealed));
  EXPECT_EQ(sealed.find(secret), std::string::npos);
  EXPECT_NE(sealed, (*kek)->Seal(secret, *RandomSource::Secure())) << "fresh nonce";
  auto opened = (*kek)->Open(sealed);
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_EQ(*opened, secret);
  std::string altered = sealed;
  altered[altered.size() - 3] = altered[altered.size() - 3] == 'A' ? 'B' : 'A';
  EXPECT_EQ((*kek)->Open(altered).status().code(), absl::StatusCode::kDataLoss);
  auto other = KeyEncryption::FromKey(std::string(32, 'o'));
  EXPECT_EQ((*other)->Open(sealed).status().code(), absl::StatusCode::kDataLoss);
  for (const char* bad : {"", "kek1:", "kek1:!!!", "kek1:AAAA", "plain"}) {
    EXPECT_FALSE((*kek)->Open(bad).ok()) << bad;
  }
  EXPECT_FALSE(KeyEncryption::FromKey("short").ok());
  EXPECT_EQ(OpenSecret(nullptr, sealed).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(*OpenSecret(nullptr, "plain"), "plain");
}

TEST_F(AdminTokenFileTest, SigningKeyFileIsSealedUnderAKek) {
  auto kek = KeyEncryption::FromKey(std::string(32, 'k'));
  const std::string path = (dir_ / "signing.key").string();
  auto made = SigningKey::LoadOrCreate(path, *RandomSource::Secure(), kek->get());
  ASSERT_TRUE(made.ok()) << made.status();
  std::ifstream in(path);
  std::string content;
  std::getline(in, content);
  EXPECT_TRUE(KeyEncryption::IsSealed(content));
  auto again = SigningKey::LoadOrCreate(path, *RandomSource::Secure(), kek->get());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->public_key(), made->public_key());
  auto without = SigningKey::LoadOrCreate(path, *RandomSource::Secure());
  EXPECT_EQ(without.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(without.status().message().find("--kek_file"), absl::string_view::npos);
  // A key written before the KEK was configured is still read.
  const std::string plain_path = (dir_ / "plain.key").string();
  auto plain = SigningKey::LoadOrCreate(plain_path, *RandomSource::Secure());
  ASSERT_TRUE(plain.ok());
  auto later = SigningKey::LoadOrCreate(plain_path, *RandomSource::Secure(), kek->get());
  ASSERT_TRUE(later.ok()) << later.status();
  EXPECT_EQ(later->public_key(), plain->public_key());
}

}  // namespace
}  // namespace scim
