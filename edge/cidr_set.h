// A set of IP address ranges (IPv4 and IPv6 CIDRs), parsed once at start-up
// and matched per connection: which peers are trusted proxies.
#ifndef SCIM_EDGE_CIDR_SET_H_
#define SCIM_EDGE_CIDR_SET_H_

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace scim::edge {

// An address in one comparable form: IPv4 (and IPv4-mapped IPv6, which is
// how a dual-stack socket shows an IPv4 peer) as 4 bytes, IPv6 as 16.
struct IpAddress {
  bool v6 = false;
  std::array<uint8_t, 16> bytes{};

  // Numeric only ("10.0.0.1", "::1", "[::1]"); nullopt for anything else, so
  // a header value can never be mistaken for an address.
  static std::optional<IpAddress> Parse(absl::string_view text);
  std::string ToString() const;
};

class CidrSet {
 public:
  CidrSet() = default;
  // "10.0.0.0/8, 192.168.1.7, fd00::/8": comma-separated; a bare address is
  // one host. Host bits set beyond the prefix ("10.0.0.1/8") are rejected:
  // they are usually a typo for a narrower range.
  static absl::StatusOr<CidrSet> Parse(absl::string_view list);

  bool Contains(const IpAddress& address) const;
  // False for anything that is not a numeric address.
  bool Contains(absl::string_view address) const;
  bool empty() const { return ranges_.empty(); }

 private:
  struct Range {
    IpAddress base;
    int prefix = 0;
  };
  std::vector<Range> ranges_;
};

}  // namespace scim::edge

#endif  // SCIM_EDGE_CIDR_SET_H_
