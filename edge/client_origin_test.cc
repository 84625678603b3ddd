// The client's address, host and scheme through trusted proxies only,
// table-driven.
#include "edge/client_origin.h"

#include "gtest/gtest.h"

namespace scim::edge {
namespace {

TEST(ClientOriginTest, ForwardedHeadersOnlyFromTrustedPeers) {
  struct Case {
    const char* name;
    const char* peer;
    bool tls;
    ForwardingHeaders headers;
    const char* address;
    const char* host;
    const char* scheme;
  };
  const Case cases[] = {
      {"direct client: its own headers are ignored", "203.0.113.9", false,
       {"scim.example.com", "1.1.1.1", "evil.example", "https"},
       "203.0.113.9", "scim.example.com", "http"},
      {"direct TLS client", "203.0.113.9", true,
       {"scim.example.com:8443", "", "", "http"},
       "203.0.113.9", "scim.example.com:8443", "https"},
      {"trusted proxy: forwarded host, scheme and client", "10.0.0.5", false,
       {"edge.internal", "198.51.100.7", "scim.example.com", "https"},
       "198.51.100.7", "scim.example.com", "https"},
      {"client-supplied hops left of the proxy's are not believed",
       "10.0.0.5", false,
       {"edge.internal", "6.6.6.6, 198.51.100.7", "", ""},
       "198.51.100.7", "edge.internal", "http"},
      {"chain of trusted proxies: right-most untrusted hop", "10.0.0.5", false,
       {"h", "6.6.6.6, 198.51.100.7, 10.0.0.9", "", ""},
       "198.51.100.7", "h", "http"},
      {"every hop trusted: the left-most", "10.0.0.5", false,
       {"h", "10.0.0.7,10.0.0.9", "", ""}, "10.0.0.7", "h", "http"},
      {"garbage hop: the last address vouched for", "10.0.0.5", false,
       {"h", "198.51.100.7, <script>", "", ""}, "10.0.0.5", "h", "http"},
      {"hop with a port", "10.0.0.5", false,
       {"h", "198.51.100.7:5555", "", ""}, "198.51.100.7", "h", "http"},
      {"IPv6 proxy and client", "fd00::1", false,
       {"h", "2001:db8::7", "scim.example.com", "https"},
       "2001:db8::7", "scim.example.com", "https"},
      {"IPv6 hop in brackets with port", "fd00::1", false,
       {"h", "[2001:db8::7]:443", "", ""}, "2001:db8::7", "h", "http"},
      {"IPv4-mapped peer is the IPv4 proxy", "::ffff:10.0.0.5", false,
       {"h", "198.51.100.7", "", ""}, "198.51.100.7", "h", "http"},
      {"untrusted IPv6 peer", "2001:db8::9", false,
       {"h", "198.51.100.7", "evil", "https"}, "2001:db8::9", "h", "http"},
      {"repeated X-Forwarded-Host: the nearest proxy's", "10.0.0.5", false,
       {"h", "", "evil.example, scim.example.com", "http, https"},
       "10.0.0.5", "scim.example.com", "https"},
      {"insane forwarded host falls back to Host", "10.0.0.5", false,
       {"h", "", "evil.example/x?", "ftp"}, "10.0.0.5", "h", "http"},
      {"insane Host: no origin at all", "203.0.113.9", false,
       {"a b", "", "", ""}, "203.0.113.9", "", "http"},
  };
  const CidrSet trusted = *CidrSet::Parse("10.0.0.0/8,fd00::/8");
  for (const Case& c : cases) {
    ClientOrigin o = ResolveClientOrigin(trusted, c.peer, c.tls, c.headers);
    EXPECT_EQ(o.address, c.address) << c.name;
    EXPECT_EQ(o.host, c.host) << c.name;
    EXPECT_EQ(o.scheme, c.scheme) << c.name;
  }
}

TEST(ClientOriginTest, NothingTrustedByDefault) {
  ClientOrigin o = ResolveClientOrigin(
      CidrSet(), "127.0.0.1", false,
      {"localhost:8080", "9.9.9.9", "evil.example", "https"});
  EXPECT_EQ(o.address, "127.0.0.1");
  EXPECT_EQ(o.host, "localhost:8080");
  EXPECT_EQ(o.scheme, "http");
}

}  // namespace
}  // namespace scim::edge
