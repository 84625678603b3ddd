// IPv4/IPv6 CIDR sets (see cidr_set.h).
#include "edge/cidr_set.h"

#include <arpa/inet.h>

#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace scim::edge {
namespace {

bool MatchesPrefix(const IpAddress& a, const IpAddress& b, int prefix) {
  const int full = prefix / 8;
  if (std::memcmp(a.bytes.data(), b.bytes.data(), full) != 0) return false;
  const int rest = prefix % 8;
  if (rest == 0) return true;
  const uint8_t mask = static_cast<uint8_t>(0xff << (8 - rest));
  return (a.bytes[full] & mask) == (b.bytes[full] & mask);
}

}  // namespace

std::optional<IpAddress> IpAddress::Parse(absl::string_view text) {
  text = absl::StripAsciiWhitespace(text);
  if (text.size() >= 2 && text.front() == '[' && text.back() == ']') {
    text = text.substr(1, text.size() - 2);
  }
  if (text.empty() || text.size() > 45) return std::nullopt;
  const std::string s(text);
  IpAddress out;
  if (inet_pton(AF_INET, s.c_str(), out.bytes.data()) == 1) return out;
  if (inet_pton(AF_INET6, s.c_str(), out.bytes.data()) != 1) return std::nullopt;
  static constexpr uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (std::memcmp(out.bytes.data(), kMapped, sizeof(kMapped)) == 0) {
    std::memmove(out.bytes.data(), out.bytes.data() + 12, 4);
    std::memset(out.bytes.data() + 4, 0, 12);
    return out;
  }
  out.v6 = true;
  return out;
}

std::string IpAddress::ToString() const {
  char buf[INET6_ADDRSTRLEN] = {};
  inet_ntop(v6 ? AF_INET6 : AF_INET, bytes.data(), buf, sizeof(buf));
  return buf;
}

absl::StatusOr<CidrSet> CidrSet::Parse(absl::string_view list) {
  CidrSet set;
  for (absl::string_view item : absl::StrSplit(list, ',', absl::SkipWhitespace())) {
    item = absl::StripAsciiWhitespace(item);
    absl::string_view address = item;
    std::optional<int> prefix;
    if (size_t slash = item.find('/'); slash != absl::string_view::npos) {
      address = item.substr(0, slash);
      int p = -1;
      if (!absl::SimpleAtoi(item.substr(slash + 1), &p)) {
        return absl::InvalidArgumentError(
            absl::StrCat("'", item, "' is not a CIDR: bad prefix length"));
      }
      prefix = p;
    }
    std::optional<IpAddress> base = IpAddress::Parse(address);
    // "::ffff:10.0.0.0/104" would silently become an IPv4 range with a
    // nonsense prefix: name IPv4 ranges in IPv4.
    if (!base || (!base->v6 && absl::StrContains(address, ':'))) {
      return absl::InvalidArgumentError(
          absl::StrCat("'", item, "' is not an IP address or CIDR"));
    }
    const int bits = base->v6 ? 128 : 32;
    const int p = prefix.value_or(bits);
    if (p < 0 || p > bits) {
      return absl::InvalidArgumentError(absl::StrCat(
          "'", item, "': the prefix length must be 0..", bits));
    }
    IpAddress masked;
    masked.v6 = base->v6;
    for (int i = 0; i < p; ++i) {
      masked.bytes[i / 8] |= base->bytes[i / 8] & (0x80 >> (i % 8));
    }
    if (masked.bytes != base->bytes) {
      return absl::InvalidArgumentError(absl::StrCat(
          "'", item, "' has host bits set; did you mean ", masked.ToString(),
          "/", p, "?"));
    }
    set.ranges_.push_back({masked, p});
  }
  return set;
}

bool CidrSet::Contains(const IpAddress& address) const {
  for (const Range& r : ranges_) {
    if (r.base.v6 == address.v6 && MatchesPrefix(r.base, address, r.prefix)) {
      return true;
    }
  }
  return false;
}

bool CidrSet::Contains(absl::string_view address) const {
  std::optional<IpAddress> parsed = IpAddress::Parse(address);
  return parsed.has_value() && Contains(*parsed);
}

}  // namespace scim::edge
