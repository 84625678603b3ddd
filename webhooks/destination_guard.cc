#include "webhooks/destination_guard.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <cstring>
#include <memory>

#include "absl/strings/str_cat.h"
#include "common/status.h"

namespace scim::webhooks {
namespace {

// At most this many addresses are vetted; a host answering with more is
// refused rather than half-checked.
constexpr size_t kMaxAddresses = 64;

bool In(uint32_t ip, uint32_t net, int bits) {
  const uint32_t mask = bits == 0 ? 0 : ~uint32_t{0} << (32 - bits);
  return (ip & mask) == (net & mask);
}

constexpr uint32_t V4(int a, int b, int c, int d) {
  return (uint32_t(a) << 24) | (uint32_t(b) << 16) | (uint32_t(c) << 8) | uint32_t(d);
}

std::string Ipv4Kind(uint32_t ip) {
  if (ip == V4(255, 255, 255, 255)) return "broadcast";
  if (ip == 0) return "unspecified";
  struct Range {
    uint32_t net;
    int bits;
    const char* kind;
  };
  static constexpr Range kRanges[] = {
      {V4(0, 0, 0, 0), 8, "this network"},
      {V4(10, 0, 0, 0), 8, "private"},
      {V4(100, 64, 0, 0), 10, "carrier-grade NAT"},
      {V4(127, 0, 0, 0), 8, "loopback"},
      {V4(169, 254, 0, 0), 16, "link-local"},
      {V4(172, 16, 0, 0), 12, "private"},
      {V4(192, 0, 0, 0), 24, "reserved"},      // IETF protocol assignments
      {V4(192, 0, 2, 0), 24, "reserved"},      // documentation
      {V4(192, 88, 99, 0), 24, "reserved"},    // 6to4 relay anycast
      {V4(192, 168, 0, 0), 16, "private"},
      {V4(198, 18, 0, 0), 15, "reserved"},     // benchmarking
      {V4(198, 51, 100, 0), 24, "reserved"},   // documentation
      {V4(203, 0, 113, 0), 24, "reserved"},    // documentation
      {V4(224, 0, 0, 0), 4, "multicast"},
      {V4(240, 0, 0, 0), 4, "reserved"},
  };
  for (const Range& r : kRanges) {
    if (In(ip, r.net, r.bits)) return r.kind;
  }
  return "";
}

uint32_t Ipv4At(const uint8_t* b) {
  return (uint32_t(b[0]) << 24) | (uint32_t(b[1]) << 16) | (uint32_t(b[2]) << 8) |
         uint32_t(b[3]);
}

std::string Ipv6Kind(const uint8_t b[16]) {
  auto zero = [&](int from, int to) {
    for (int i = from; i < to; ++i) {
      if (b[i] != 0) return false;
    }
    return true;
  };
  if (zero(0, 16)) return "unspecified";
  if (zero(0, 15) && b[15] == 1) return "loopback";
  // IPv4-mapped ::ffff:a.b.c.d and IPv4-compatible ::a.b.c.d.
  if (zero(0, 10) && b[10] == 0xff && b[11] == 0xff) return Ipv4Kind(Ipv4At(b + 12));
  if (zero(0, 12)) return Ipv4Kind(Ipv4At(b + 12));
  // NAT64 64:ff9b::/96 and the local-use 64:ff9b:1::/48 translate to IPv4.
  if (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b) {
    if (zero(4, 12)) return Ipv4Kind(Ipv4At(b + 12));
    if (b[4] == 0 && b[5] == 1) return "private";
  }
  // 6to4 2002:a.b.c.d::/48 reaches the IPv4 address it embeds.
  if (b[0] == 0x20 && b[1] == 0x02) {
    const std::string kind = Ipv4Kind(Ipv4At(b + 2));
    if (!kind.empty()) return kind;
  }
  if (b[0] == 0xff) return "multicast";
  if ((b[0] & 0xfe) == 0xfc) return "unique local";
  if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) return "link-local";
  if (b[0] == 0xfe && (b[1] & 0xc0) == 0xc0) return "private";  // site-local
  if (b[0] == 0x01 && zero(1, 8)) return "reserved";           // discard 100::/64
  if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8) {
    return "reserved";  // documentation 2001:db8::/32
  }
  return "";
}

}  // namespace

std::string AddressKind(absl::string_view ip) {
  const std::string text(ip);
  in_addr v4;
  if (inet_pton(AF_INET, text.c_str(), &v4) == 1) return Ipv4Kind(ntohl(v4.s_addr));
  in6_addr v6;
  if (inet_pton(AF_INET6, text.c_str(), &v6) == 1) return Ipv6Kind(v6.s6_addr);
  return "not an IP address";
}

bool AlwaysRefused(absl::string_view kind) {
  return kind == "unspecified" || kind == "multicast" || kind == "broadcast" ||
         kind == "this network" || kind == "not an IP address";
}

absl::StatusOr<std::vector<std::string>> DestinationGuard::SystemResolve(
    const std::string& host) {
  addrinfo hints;
  std::memset(&hints, 0, sizeof(hints));
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* raw = nullptr;
  const int rc = getaddrinfo(host.c_str(), nullptr, &hints, &raw);
  if (rc != 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot resolve ", host, ": ", gai_strerror(rc)));
  }
  std::unique_ptr<addrinfo, void (*)(addrinfo*)> list(raw, freeaddrinfo);
  std::vector<std::string> out;
  for (const addrinfo* ai = list.get(); ai != nullptr; ai = ai->ai_next) {
    char text[INET6_ADDRSTRLEN] = {0};
    if (ai->ai_family == AF_INET) {
      inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(ai->ai_addr)->sin_addr, text,
                sizeof(text));
    } else if (ai->ai_family == AF_INET6) {
      inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(ai->ai_addr)->sin6_addr,
                text, sizeof(text));
    } else {
      continue;
    }
    out.emplace_back(text);
    if (out.size() > kMaxAddresses) break;
  }
  return out;
}

absl::StatusOr<Destination> DestinationGuard::Check(absl::string_view url) const {
  ASSIGN_OR_RETURN(WebhookUrl parsed, ParseWebhookUrl(url));
  ASSIGN_OR_RETURN(std::vector<std::string> addresses, resolver_(parsed.host));
  if (addresses.empty()) {
    return absl::UnavailableError(absl::StrCat("cannot resolve ", parsed.host, ": no address"));
  }
  if (addresses.size() > kMaxAddresses) {
    return InvalidValue(absl::StrCat("webhook url: ", parsed.host, " resolves to more than ",
                                     kMaxAddresses, " addresses"));
  }
  // Every address, not only the one used: a host that also resolves to an
  // internal address is refused as a whole.
  for (const std::string& ip : addresses) {
    const std::string kind = AddressKind(ip);
    if (kind.empty()) continue;
    if (allow_private_ && !AlwaysRefused(kind)) continue;
    return InvalidValue(absl::StrCat(
        "webhook url: ", parsed.host, " resolves to ", ip, ", a ", kind,
        " address; webhooks may only reach public addresses",
        AlwaysRefused(kind) ? "" : " (--allow_private_webhooks lifts this)"));
  }
  return Destination{std::move(parsed), addresses.front()};
}

}  // namespace scim::webhooks
