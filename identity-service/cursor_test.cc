#include "identity-service/cursor.h"

#include "absl/strings/ascii.h"
#include "common/status.h"
#include "gtest/gtest.h"

namespace scim::identity {
namespace {

TEST(CursorCodecTest, RoundTripsAndRejectsWhatItDidNotIssue) {
  FakeClock clock;
  CursorCodec codec("k1", &clock);
  Cursor c{false, {true, std::string("\x00\xffkey", 5), "0190-id"}};
  std::string token = codec.Encode("acme", "q", c);
  for (char ch : token) {
    EXPECT_TRUE(absl::ascii_isalnum(ch) || ch == '-' || ch == '_' || ch == '.')
        << "not an RFC 3986 unreserved character: " << ch;
  }
  auto back = codec.Decode("acme", "q", token);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_FALSE(back->forward);
  EXPECT_TRUE(back->at.missing);
  EXPECT_EQ(back->at.key, c.at.key);
  EXPECT_EQ(back->at.id, "0190-id");

  std::string tampered = token;
  tampered[0] = tampered[0] == 'n' ? 'p' : 'n';
  for (const auto& [tenant, query, t] :
       std::vector<std::tuple<std::string, std::string, std::string>>{
           {"other", "q", token}, {"acme", "q2", token}, {"acme", "q", tampered},
           {"acme", "q", "garbage"}, {"acme", "q", token + "x"}}) {
    auto bad = codec.Decode(tenant, query, t);
    EXPECT_EQ(ScimTypeOf(bad.status()), "invalidCursor") << tenant << query << t;
  }
  EXPECT_EQ(ScimTypeOf(CursorCodec("k2", &clock).Decode("acme", "q", token).status()),
            "invalidCursor");
  clock.Advance(kCursorTimeout + absl::Seconds(1));
  EXPECT_EQ(ScimTypeOf(codec.Decode("acme", "q", token).status()), "expiredCursor");
}

TEST(PositionLessTest, OrdersByKeyThenIdWithMissingLast) {
  SortPosition a{false, "a", "2"}, b{false, "b", "1"}, none{true, "", "0"};
  EXPECT_TRUE(PositionLess(a, b, false));
  EXPECT_TRUE(PositionLess(b, a, true));
  EXPECT_TRUE(PositionLess(a, none, false));
  EXPECT_TRUE(PositionLess(a, none, true));
  // Descending is ascending reversed (ties by id too), so that a walk down
  // an index's {value}{id} entries gives it; no value comes last by id.
  EXPECT_TRUE(PositionLess({false, "a", "1"}, a, false));
  EXPECT_TRUE(PositionLess(a, {false, "a", "1"}, true));
  EXPECT_TRUE(PositionLess(none, {true, "", "1"}, false));
  EXPECT_TRUE(PositionLess(none, {true, "", "1"}, true));
}

}  // namespace
}  // namespace scim::identity
