#include "webhooks/signature.h"

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"

namespace scim::webhooks {
namespace {

// The Standard Webhooks reference libraries' published test vector.
constexpr char kSpecSecret[] = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
constexpr char kSpecId[] = "msg_p5jXN8AQM9LWM0D4loKWxJek";
constexpr int64_t kSpecTimestamp = 1614265330;
constexpr char kSpecBody[] = R"({"test": 2432232314})";
constexpr char kSpecSignature[] = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

TEST(SignatureTest, ReproducesTheSpecificationTestVector) {
  auto signature = Sign(kSpecSecret, kSpecId, kSpecTimestamp, kSpecBody);
  ASSERT_TRUE(signature.ok()) << signature.status();
  EXPECT_EQ(*signature, kSpecSignature);
}

TEST(SignatureTest, EveryPartIsSigned) {
  const std::string base = *Sign(kSpecSecret, kSpecId, kSpecTimestamp, kSpecBody);
  EXPECT_NE(*Sign(kSpecSecret, "msg_other", kSpecTimestamp, kSpecBody), base);
  EXPECT_NE(*Sign(kSpecSecret, kSpecId, kSpecTimestamp + 1, kSpecBody), base);
  EXPECT_NE(*Sign(kSpecSecret, kSpecId, kSpecTimestamp, R"({"test": 2432232315})"), base);
  EXPECT_NE(*Sign("whsec_" + absl::Base64Escape(std::string(32, 'k')), kSpecId,
                  kSpecTimestamp, kSpecBody),
            base);
}

TEST(SignatureTest, NewSecretsAreWellFormedAndDistinct) {
  FakeRandom random(7);
  const std::string a = NewSecret(random);
  const std::string b = NewSecret(random);
  EXPECT_NE(a, b);
  ASSERT_TRUE(absl::StartsWith(a, "whsec_"));
  auto key = SecretKey(a);
  ASSERT_TRUE(key.ok()) << key.status();
  EXPECT_EQ(key->size(), 32u);
  EXPECT_TRUE(Sign(a, "id", 1, "{}").ok());
}

TEST(SignatureTest, MalformedSecretsAreRefused) {
  const std::string too_short = "whsec_" + absl::Base64Escape(std::string(23, 'x'));
  const std::string too_long = "whsec_" + absl::Base64Escape(std::string(65, 'x'));
  const std::string hostile = "whsec_" + std::string(100000, 'A');
  for (const std::string& secret :
       {std::string(""), std::string("whsec_"), std::string("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"),
        std::string("whsk_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"),
        std::string("whsec_not base64 at all!!"), too_short, too_long, hostile}) {
    auto key = SecretKey(secret);
    EXPECT_FALSE(key.ok()) << secret.substr(0, 40);
    EXPECT_EQ(key.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_FALSE(Sign(secret, "id", 1, "{}").ok());
  }
  EXPECT_TRUE(SecretKey("whsec_" + absl::Base64Escape(std::string(24, 'x'))).ok());
  EXPECT_TRUE(SecretKey("whsec_" + absl::Base64Escape(std::string(64, 'x'))).ok());
}

TEST(SignatureTest, DuringRotationBothSecretsSign) {
  FakeRandom random(1);
  const std::string fresh = NewSecret(random);
  auto header = SignatureHeader({fresh, kSpecSecret}, kSpecId, kSpecTimestamp, kSpecBody);
  ASSERT_TRUE(header.ok()) << header.status();
  const std::vector<std::string> parts = absl::StrSplit(*header, ' ');
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[0], *Sign(fresh, kSpecId, kSpecTimestamp, kSpecBody));
  EXPECT_EQ(parts[1], kSpecSignature);

  EXPECT_EQ(*SignatureHeader({kSpecSecret}, kSpecId, kSpecTimestamp, kSpecBody),
            kSpecSignature);
  EXPECT_FALSE(SignatureHeader({}, kSpecId, kSpecTimestamp, kSpecBody).ok());
  EXPECT_FALSE(SignatureHeader({kSpecSecret, "bad"}, kSpecId, kSpecTimestamp, kSpecBody).ok());
}

}  // namespace
}  // namespace scim::webhooks
