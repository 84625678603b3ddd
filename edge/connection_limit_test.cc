// Per-client connection caps.
#include "edge/connection_limit.h"

#include "gtest/gtest.h"

namespace scim::edge {
namespace {

TEST(ConnectionLimitTest, CapsEachClientAlone) {
  ConnectionLimit limit(2, CidrSet());
  EXPECT_TRUE(limit.Acquire("127.0.0.2"));
  EXPECT_TRUE(limit.Acquire("127.0.0.2"));
  EXPECT_FALSE(limit.Acquire("127.0.0.2"));
  EXPECT_TRUE(limit.Acquire("127.0.0.1"));  // another client is unaffected
  EXPECT_EQ(limit.open(), 3);
  limit.Release("127.0.0.2");
  EXPECT_TRUE(limit.Acquire("127.0.0.2"));
  EXPECT_EQ(limit.open(), 3);
}

TEST(ConnectionLimitTest, IPv6CountsPerSlash64) {
  ConnectionLimit limit(1, CidrSet());
  EXPECT_TRUE(limit.Acquire("2001:db8:1:2::1"));
  EXPECT_FALSE(limit.Acquire("2001:db8:1:2::ffff"));
  EXPECT_TRUE(limit.Acquire("2001:db8:1:3::1"));
  EXPECT_EQ(ConnectionLimit::ClientKey("::ffff:10.1.2.3"), "10.1.2.3");
}

TEST(ConnectionLimitTest, TrustedProxiesAreNotCapped) {
  ConnectionLimit limit(1, *CidrSet::Parse("10.0.0.0/8"));
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(limit.Acquire("10.0.0.5"));
  EXPECT_EQ(limit.open(), 5);
}

}  // namespace
}  // namespace scim::edge
