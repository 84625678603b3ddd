#include "webhooks/destination_guard.h"

#include <map>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "webhooks/webhook_url.h"

namespace scim::webhooks {
namespace {

TEST(WebhookUrlTest, WellFormedUrls) {
  struct Case {
    std::string url, scheme, host;
    int port;
    std::string target, origin;
  };
  const Case cases[] = {
      {"https://example.com/hook", "https", "example.com", 443, "/hook",
       "https://example.com:443"},
      {"HTTP://Example.COM:8080", "http", "example.com", 8080, "/", "http://example.com:8080"},
      {"http://example.com?x=1", "http", "example.com", 80, "/?x=1", "http://example.com:80"},
      {"http://example.com/a%20b?q=a+b&r=%2F", "http", "example.com", 80,
       "/a%20b?q=a+b&r=%2F", "http://example.com:80"},
      {"http://[2001:DB8::1]:9000/a", "http", "2001:db8::1", 9000, "/a",
       "http://[2001:db8::1]:9000"},
      {"https://[::ffff:127.0.0.1]/", "https", "::ffff:127.0.0.1", 443, "/",
       "https://[::ffff:127.0.0.1]:443"},
      {"http://a_b-c.example.:00080/", "http", "a_b-c.example.", 80, "/",
       "http://a_b-c.example.:80"},
      {"http://x:65535/", "http", "x", 65535, "/", "http://x:65535"},
      {"http://x:1", "http", "x", 1, "/", "http://x:1"},
  };
  for (const Case& c : cases) {
    auto url = ParseWebhookUrl(c.url);
    ASSERT_TRUE(url.ok()) << c.url << ": " << url.status();
    EXPECT_EQ(url->scheme, c.scheme) << c.url;
    EXPECT_EQ(url->host, c.host) << c.url;
    EXPECT_EQ(url->port, c.port) << c.url;
    EXPECT_EQ(url->target, c.target) << c.url;
    EXPECT_EQ(url->Origin(), c.origin) << c.url;
  }
}

TEST(WebhookUrlTest, MalformedOrHostileUrlsAreRefusedWithAReason) {
  struct Case {
    std::string url, why;
  };
  const Case cases[] = {
      {"", "required"},
      {"example.com/hook", "http:// or https://"},
      {"ftp://example.com/", "http or https"},
      {"javascript:alert(1)", "http:// or https://"},
      {"file:///etc/passwd", "http or https"},
      {"http:/example.com", "http:// or https://"},
      {"http://", "host is required"},
      {"http:///path", "host is required"},
      {"http://:80/", "host is required"},
      {"http://user:pw@example.com/", "credentials"},
      {"http://example.com@10.0.0.1/", "credentials"},
      {"http://x:0/", "1 to 65535"},
      {"http://x:65536/", "1 to 65535"},
      {"http://x:99999999999999999999/", "1 to 65535"},
      {"http://x:-1/", "1 to 65535"},
      {"http://x:+80/", "1 to 65535"},
      {"http://x:8o/", "1 to 65535"},
      {"http://x:/", "empty port"},
      {"http://x/#frag", "fragment"},
      {"http://x#frag", "fragment"},
      {"http://ex ample.com/", "printable ASCII"},
      {"http://x/\r\nHost: evil", "printable ASCII"},
      {"http://x/\x7f", "printable ASCII"},
      {"http://x/\xc3\xa9", "printable ASCII"},
      {std::string("http://x/\0", 10), "printable ASCII"},
      {"http://ex%61mple.com/", "letters, digits"},
      {"http://exa$mple.com/", "letters, digits"},
      {"http://x\\@y/", "backslash"},
      {"http://[::1/", "unclosed"},
      {"http://[::1]x/", "after the IPv6"},
      {"http://[]/", "host is required"},
      {"http://[fe80::1%25eth0]/", "no zone"},
      {"http://[v1.fe80::a]/", "hex digits"},
      {"http://a:b:c/", "letters, digits"},
      {"http://x/" + std::string(2048, 'a'), "longer than 2048"},
  };
  for (const Case& c : cases) {
    auto url = ParseWebhookUrl(c.url);
    ASSERT_FALSE(url.ok()) << c.url;
    EXPECT_EQ(url.status().code(), absl::StatusCode::kInvalidArgument) << c.url;
    EXPECT_TRUE(absl::StrContains(url.status().message(), c.why))
        << c.url << ": " << url.status();
  }
  // Exactly at the bound is fine.
  const std::string at_bound = "http://x/" + std::string(kMaxUrlLength - 9, 'a');
  ASSERT_EQ(at_bound.size(), kMaxUrlLength);
  EXPECT_TRUE(ParseWebhookUrl(at_bound).ok());
}

TEST(AddressKindTest, ClassifiesEveryRange) {
  const std::map<std::string, std::string> cases = {
      {"8.8.8.8", ""},
      {"1.1.1.1", ""},
      {"93.184.216.34", ""},
      {"127.0.0.1", "loopback"},
      {"127.255.255.254", "loopback"},
      {"10.1.2.3", "private"},
      {"172.16.0.1", "private"},
      {"172.31.255.255", "private"},
      {"172.32.0.1", ""},
      {"172.15.255.255", ""},
      {"192.168.1.1", "private"},
      {"169.254.169.254", "link-local"},
      {"100.64.0.1", "carrier-grade NAT"},
      {"100.127.255.255", "carrier-grade NAT"},
      {"100.128.0.1", ""},
      {"100.63.255.255", ""},
      {"0.0.0.0", "unspecified"},
      {"0.1.2.3", "this network"},
      {"224.0.0.1", "multicast"},
      {"239.255.255.250", "multicast"},
      {"255.255.255.255", "broadcast"},
      {"240.0.0.1", "reserved"},
      {"198.18.0.1", "reserved"},
      {"192.0.0.8", "reserved"},
      {"::", "unspecified"},
      {"::1", "loopback"},
      {"fe80::1", "link-local"},
      {"febf:ffff::1", "link-local"},
      {"fec0::1", "private"},
      {"fc00::1", "unique local"},
      {"fd12:3456::1", "unique local"},
      {"ff02::1", "multicast"},
      {"::ffff:127.0.0.1", "loopback"},
      {"::ffff:7f00:1", "loopback"},
      {"::ffff:10.0.0.1", "private"},
      {"::ffff:169.254.169.254", "link-local"},
      {"::ffff:8.8.8.8", ""},
      {"::127.0.0.1", "loopback"},
      {"::10.0.0.1", "private"},
      {"::8.8.8.8", ""},
      {"64:ff9b::7f00:1", "loopback"},
      {"64:ff9b::a9fe:a9fe", "link-local"},
      {"64:ff9b::808:808", ""},
      {"64:ff9b:1::1", "private"},
      {"2002:7f00:1::", "loopback"},
      {"2002:a00:1::1", "private"},
      {"2002:808:808::1", ""},
      {"2001:db8::1", "reserved"},
      {"100::1", "reserved"},
      {"2001:4860:4860::8888", ""},
      {"2606:4700:4700::1111", ""},
      {"example.com", "not an IP address"},
      {"127.1", "not an IP address"},  // only resolved, numeric text counts here
      {"", "not an IP address"},
  };
  for (const auto& [ip, kind] : cases) EXPECT_EQ(AddressKind(ip), kind) << ip;
}

absl::Status CheckStatus(const DestinationGuard& guard, const std::string& url) {
  return guard.Check(url).status();
}

TEST(DestinationGuardTest, TrickyLoopbackFormsAreClassifiedByTheResolvedAddress) {
  const DestinationGuard strict(/*allow_private=*/false);
  const DestinationGuard lenient(/*allow_private=*/true);
  // Whatever getaddrinfo makes of them, the address decides.
  const char* loopbacks[] = {
      "http://127.0.0.1/",          "http://127.1/",
      "http://0x7f.1/",             "http://0x7f000001/",
      "http://2130706433/",         "http://017700000001/",
      "http://[::1]:8080/",         "http://[::ffff:127.0.0.1]/",
      "http://[::ffff:7f00:1]/",    "http://localhost:9/",
      "https://127.0.0.1:443/hook",
  };
  for (const char* url : loopbacks) {
    const absl::Status refused = CheckStatus(strict, url);
    EXPECT_EQ(refused.code(), absl::StatusCode::kInvalidArgument) << url << ": " << refused;
    EXPECT_TRUE(absl::StrContains(refused.message(), "loopback")) << url << ": " << refused;
    EXPECT_TRUE(absl::StrContains(refused.message(), "--allow_private_webhooks")) << url;
    auto allowed = lenient.Check(url);
    ASSERT_TRUE(allowed.ok()) << url << ": " << allowed.status();
    EXPECT_EQ(AddressKind(allowed->ip), "loopback") << url;
  }
  const char* others[][2] = {
      {"http://169.254.169.254/latest/meta-data/", "link-local"},
      {"http://10.0.0.1/", "private"},
      {"http://192.168.0.1/", "private"},
      {"http://100.64.1.1/", "carrier-grade NAT"},
      {"http://[fd00::1]/", "unique local"},
      {"http://[fe80::1]/", "link-local"},
  };
  for (const auto& [url, kind] : others) {
    const absl::Status refused = CheckStatus(strict, url);
    EXPECT_TRUE(absl::StrContains(refused.message(), kind)) << url << ": " << refused;
    EXPECT_TRUE(lenient.Check(url).ok()) << url;
  }
  // No flag makes these reachable.
  const char* never[] = {"http://0.0.0.0/", "http://0/", "http://[::]/",
                         "http://224.0.0.1/", "http://255.255.255.255/",
                         "http://[ff02::1]/", "http://0.1.2.3/"};
  for (const char* url : never) {
    const absl::Status refused = CheckStatus(lenient, url);
    EXPECT_EQ(refused.code(), absl::StatusCode::kInvalidArgument) << url << ": " << refused;
    EXPECT_FALSE(absl::StrContains(refused.message(), "--allow_private_webhooks")) << url;
  }
}

TEST(DestinationGuardTest, EveryResolvedAddressIsVettedAndTheVettedOneIsReturned) {
  const std::map<std::string, std::vector<std::string>> dns = {
      {"public.test", {"93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"}},
      {"rebind.test", {"93.184.216.34", "10.0.0.1"}},
      {"v6-internal.test", {"2606:4700::1", "::ffff:192.168.1.1"}},
      {"empty.test", {}},
  };
  std::vector<std::string> many;
  for (int i = 0; i < 65; ++i) many.push_back(absl::StrCat("93.184.216.", i));
  DestinationGuard guard(false, [&](const std::string& host)
                                    -> absl::StatusOr<std::vector<std::string>> {
    if (host == "many.test") return many;
    auto it = dns.find(host);
    if (it == dns.end()) return absl::UnavailableError("cannot resolve " + host);
    return it->second;
  });
  auto ok = guard.Check("https://Public.test/hook?x=1");
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(ok->ip, "93.184.216.34");
  EXPECT_EQ(ok->url.host, "public.test");
  EXPECT_EQ(ok->url.target, "/hook?x=1");

  EXPECT_TRUE(absl::StrContains(CheckStatus(guard, "http://rebind.test/").message(),
                                "10.0.0.1, a private address"));
  EXPECT_TRUE(absl::StrContains(CheckStatus(guard, "http://v6-internal.test/").message(),
                                "private"));
  EXPECT_EQ(CheckStatus(guard, "http://empty.test/").code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(CheckStatus(guard, "http://nowhere.test/").code(), absl::StatusCode::kUnavailable);
  EXPECT_TRUE(absl::StrContains(CheckStatus(guard, "http://many.test/").message(),
                                "more than 64"));
  // The URL is parsed before anything is resolved.
  EXPECT_TRUE(absl::StrContains(CheckStatus(guard, "http://u@public.test/").message(),
                                "credentials"));
}

}  // namespace
}  // namespace scim::webhooks
