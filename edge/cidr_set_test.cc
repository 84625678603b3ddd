// CIDR parsing and matching, IPv4 and IPv6, table-driven.
#include "edge/cidr_set.h"

#include "gtest/gtest.h"

namespace scim::edge {
namespace {

TEST(CidrSetTest, ParsesGoodListsAndRejectsBadOnes) {
  struct Case {
    const char* list;
    bool ok;
  };
  const Case cases[] = {
      {"", true},
      {"10.0.0.0/8", true},
      {" 10.0.0.0/8 , 192.168.1.7 ,", true},
      {"0.0.0.0/0", true},
      {"::1", true},
      {"fd00::/8,2001:db8::/32", true},
      {"::/0", true},
      {"[::1]", true},
      {"10.0.0.1/8", false},       // host bits set
      {"10.0.0.0/33", false},      // prefix too long
      {"10.0.0.0/-1", false},
      {"10.0.0.0/", false},
      {"10.0.0.0/8x", false},
      {"fd00::/129", false},
      {"fd00::1/8", false},
      {"10.0.0", false},
      {"example.com", false},
      {"10.0.0.0/8,bogus", false},
      {"::ffff:10.0.0.0/104", false},  // say it in IPv4
      {"1.2.3.4:80", false},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(CidrSet::Parse(c.list).ok(), c.ok) << "'" << c.list << "'";
  }
}

TEST(CidrSetTest, Matches) {
  struct Case {
    const char* list;
    const char* address;
    bool contained;
  };
  const Case cases[] = {
      {"10.0.0.0/8", "10.1.2.3", true},
      {"10.0.0.0/8", "11.0.0.1", false},
      {"10.0.0.0/8", "::ffff:10.9.9.9", true},  // dual-stack socket's view
      {"192.168.1.7", "192.168.1.7", true},
      {"192.168.1.7", "192.168.1.8", false},
      {"172.16.0.0/12", "172.31.255.255", true},
      {"172.16.0.0/12", "172.32.0.0", false},
      {"0.0.0.0/0", "8.8.8.8", true},
      {"0.0.0.0/0", "::1", false},  // families never mix
      {"::/0", "10.0.0.1", false},
      {"::1", "::1", true},
      {"::1", "[::1]", true},
      {"::1", "::2", false},
      {"2001:db8::/32", "2001:db8:ffff::1", true},
      {"2001:db8::/32", "2001:db9::1", false},
      {"fe80::/10", "febf::1", true},
      {"fe80::/10", "fec0::1", false},
      {"10.0.0.0/8", "", false},
      {"10.0.0.0/8", "10.0.0.1, 10.0.0.2", false},
      {"10.0.0.0/8", "unknown", false},
      {"", "10.0.0.1", false},
  };
  for (const Case& c : cases) {
    auto set = CidrSet::Parse(c.list);
    ASSERT_TRUE(set.ok()) << c.list;
    EXPECT_EQ(set->Contains(c.address), c.contained)
        << c.list << " contains " << c.address;
  }
}

}  // namespace
}  // namespace scim::edge
