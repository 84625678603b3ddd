#include <set>

#include "absl/flags/flag.h"
#include "common/clock.h"
#include "common/flags.h"
#include "common/log.h"
#include "common/random.h"
#include "common/status.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace scim {
namespace {

TEST(StatusTest, ScimTypeSurvivesGrpcRoundTrip) {
  absl::Status status = Uniqueness("userName \"bjensen\" is already taken");
  grpc::Status wire = ToGrpcStatus(status);
  EXPECT_EQ(wire.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  absl::Status back = FromGrpcStatus(wire);
  EXPECT_EQ(back.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(ScimTypeOf(back), "uniqueness");
  EXPECT_EQ(back.message(), "userName \"bjensen\" is already taken");
  EXPECT_EQ(HttpStatusOf(back), 409);
}

TEST(StatusTest, HttpMappingTable) {
  struct Case {
    absl::StatusCode code;
    int http;
  } cases[] = {
      {absl::StatusCode::kInvalidArgument, 400},
      {absl::StatusCode::kUnauthenticated, 401},
      {absl::StatusCode::kPermissionDenied, 403},
      {absl::StatusCode::kNotFound, 404},
      {absl::StatusCode::kAlreadyExists, 409},
      {absl::StatusCode::kFailedPrecondition, 412},
      {absl::StatusCode::kResourceExhausted, 429},
      {absl::StatusCode::kUnimplemented, 501},
      {absl::StatusCode::kUnavailable, 503},
      {absl::StatusCode::kInternal, 500},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(HttpStatusOf(absl::Status(c.code, "x")), c.http)
        << absl::StatusCodeToString(c.code);
  }
  EXPECT_EQ(ScimTypeOf(absl::NotFoundError("x")), "");
}

TEST(StatusTest, FromGrpcWithoutDetailsKeepsCodeAndMessage) {
  absl::Status s =
      FromGrpcStatus(grpc::Status(grpc::StatusCode::UNAVAILABLE, "down"));
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(s.message(), "down");
  EXPECT_EQ(ScimTypeOf(s), "");
}

TEST(RandomTest, UuidV7GeneratorIsStrictlyIncreasingWithinAMillisecond) {
  FakeClock clock;  // frozen: every id is made in the same millisecond
  FakeRandom random;
  UuidV7Generator ids(&clock, &random);
  std::string previous = ids.Next();
  // More than the 12-bit counter holds: it borrows the next millisecond.
  for (int i = 0; i < 5000; ++i) {
    std::string id = ids.Next();
    ASSERT_EQ(id.size(), 36u);
    EXPECT_EQ(id[14], '7');
    ASSERT_LT(previous, id) << i;
    previous = id;
  }
  // A clock that goes back does not break the order either.
  UuidV7Generator back(&clock, &random);
  std::string first = back.Next();
  clock.Advance(-absl::Seconds(1));
  EXPECT_LT(first, back.Next());
}

TEST(RandomTest, UuidV7IsTimeOrderedAndWellFormed) {
  FakeClock clock;
  FakeRandom random;
  std::set<std::string> seen;
  std::string previous;
  for (int i = 0; i < 100; ++i) {
    std::string id = NewUuidV7(clock, random);
    ASSERT_EQ(id.size(), 36u);
    EXPECT_EQ(id[14], '7');  // version nibble
    EXPECT_TRUE(seen.insert(id).second);
    if (!previous.empty()) EXPECT_LT(previous.substr(0, 13), id.substr(0, 14));
    previous = id;
    clock.Advance(absl::Milliseconds(1));
  }
}

TEST(RandomTest, SecureBytesDiffer) {
  RandomSource* random = RandomSource::Secure();
  EXPECT_NE(random->Bytes(32), random->Bytes(32));
  EXPECT_EQ(random->Bytes(32).size(), 32u);
}

TEST(RandomTest, ConstantTimeEquals) {
  EXPECT_TRUE(ConstantTimeEquals("abc", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abd"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abcd"));
  EXPECT_EQ(HexEncode(Sha256("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(RandomTest, Sha256InPiecesEqualsSha256Whole) {
  const std::string text(100000, 'x');
  Sha256Hasher hasher;
  for (size_t i = 0; i < text.size(); i += 7777) hasher.Update(absl::string_view(text).substr(i, 7777));
  EXPECT_EQ(hasher.Finish(), Sha256(text));
  Sha256Hasher empty;
  EXPECT_EQ(HexEncode(empty.Finish()),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(LogTest, LinesAreJsonAndEscapeClientText) {
  std::string line = FormatLogLine(LogLevel::kWarning, "hello \"world\"",
                                   {{"tenant", "acme"}, {"bad", "\xff\n"}});
  nlohmann::json parsed = nlohmann::json::parse(line);
  EXPECT_EQ(parsed["level"], "warning");
  EXPECT_EQ(parsed["msg"], "hello \"world\"");
  EXPECT_EQ(parsed["tenant"], "acme");
  EXPECT_EQ(line.find('\n'), std::string::npos);
}

TEST(FlagsTest, EnvName) {
  EXPECT_EQ(EnvNameForFlag("data_dir"), "SCIM_DATA_DIR");
  EXPECT_EQ(EnvNameForFlag("http_addr"), "SCIM_HTTP_ADDR");
}

}  // namespace
}  // namespace scim

ABSL_FLAG(std::string, test_flag_env, "default", "a flag for FlagsTest");
ABSL_FLAG(int32_t, test_flag_cli, 1, "a flag for FlagsTest");

namespace scim {
namespace {

TEST(FlagsTest, EnvSetsFlagAndCommandLineWins) {
  setenv("SCIM_TEST_FLAG_ENV", "from-env", 1);
  setenv("SCIM_TEST_FLAG_CLI", "5", 1);
  std::string arg0 = "prog", arg1 = "--test_flag_cli=7", arg2 = "positional";
  char* argv[] = {arg0.data(), arg1.data(), arg2.data()};
  std::vector<std::string> rest = ParseFlags(3, argv, "usage");
  EXPECT_EQ(absl::GetFlag(FLAGS_test_flag_env), "from-env");
  EXPECT_EQ(absl::GetFlag(FLAGS_test_flag_cli), 7);
  ASSERT_EQ(rest.size(), 2u);
  EXPECT_EQ(rest[1], "positional");
}

}  // namespace
}  // namespace scim
