// The SSRF guard: a webhook may only reach public internet addresses, unless
// the operator allows private ones (--allow_private_webhooks: tests, on-prem).
// The host is resolved here, every address it resolves to is vetted, and the
// sender connects to the vetted address itself, so that a DNS answer that
// changes between the check and the connection (rebinding) gains nothing.
#ifndef SCIM_WEBHOOKS_DESTINATION_GUARD_H_
#define SCIM_WEBHOOKS_DESTINATION_GUARD_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "webhooks/webhook_url.h"

namespace scim::webhooks {

// What an IP address is, for the guard: "" for a public unicast address,
// else the kind of address it is ("loopback", "private", "link-local",
// "carrier-grade NAT", "unique local", "unspecified", "multicast",
// "broadcast", "reserved", "this network"). IPv4-mapped, IPv4-compatible,
// NAT64 and 6to4 IPv6 addresses are judged by the IPv4 address inside.
// `ip` is numeric text (inet_pton); anything else is "not an IP address".
std::string AddressKind(absl::string_view ip);

// Kinds that no flag makes reachable: nothing answers a POST there.
bool AlwaysRefused(absl::string_view kind);

struct Destination {
  WebhookUrl url;
  // The address the sender must connect to (numeric text).
  std::string ip;
};

class DestinationGuard {
 public:
  // The host's addresses as numeric text; getaddrinfo by default. Tests
  // inject a table.
  using Resolver =
      std::function<absl::StatusOr<std::vector<std::string>>(const std::string& host)>;
  static absl::StatusOr<std::vector<std::string>> SystemResolve(const std::string& host);

  explicit DestinationGuard(bool allow_private, Resolver resolver = SystemResolve)
      : allow_private_(allow_private), resolver_(std::move(resolver)) {}

  // Parses `url`, resolves its host and vets every address.
  // INVALID_ARGUMENT (invalidValue) for a malformed URL or a refused
  // destination, UNAVAILABLE when the host does not resolve.
  absl::StatusOr<Destination> Check(absl::string_view url) const;

  bool allow_private() const { return allow_private_; }

 private:
  const bool allow_private_;
  const Resolver resolver_;
};

}  // namespace scim::webhooks

#endif  // SCIM_WEBHOOKS_DESTINATION_GUARD_H_
