// The client's address and origin through trusted proxies (see
// client_origin.h).
#include "edge/client_origin.h"

#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_split.h"

namespace scim::edge {
namespace {

// host[:port] as a URL authority: no characters that could end the
// authority or smuggle anything into Location.
bool IsSaneHost(absl::string_view host) {
  if (host.empty() || host.size() > 255) return false;
  for (char c : host) {
    if (!absl::ascii_isalnum(c) && c != '.' && c != '-' && c != ':' &&
        c != '[' && c != ']' && c != '_') {
      return false;
    }
  }
  return true;
}

absl::string_view LastValue(absl::string_view list) {
  std::vector<absl::string_view> values =
      absl::StrSplit(list, ',', absl::SkipWhitespace());
  if (values.empty()) return "";
  return absl::StripAsciiWhitespace(values.back());
}

// "1.2.3.4", "1.2.3.4:5678", "[::1]:80", "::1" -> the address alone.
std::optional<IpAddress> ParseHop(absl::string_view hop) {
  hop = absl::StripAsciiWhitespace(hop);
  if (auto ip = IpAddress::Parse(hop)) return ip;
  if (!hop.empty() && hop.front() == '[') {
    size_t close = hop.find(']');
    if (close != absl::string_view::npos) return IpAddress::Parse(hop.substr(0, close + 1));
    return std::nullopt;
  }
  size_t colon = hop.find(':');
  if (colon != absl::string_view::npos && hop.find(':', colon + 1) == absl::string_view::npos) {
    return IpAddress::Parse(hop.substr(0, colon));
  }
  return std::nullopt;
}

}  // namespace

ClientOrigin ResolveClientOrigin(const CidrSet& trusted_proxies,
                                 absl::string_view peer, bool tls,
                                 const ForwardingHeaders& headers) {
  ClientOrigin out;
  std::optional<IpAddress> peer_ip = IpAddress::Parse(peer);
  out.address = peer_ip ? peer_ip->ToString() : std::string(peer);
  out.scheme = tls ? "https" : "http";
  absl::string_view host = absl::StripAsciiWhitespace(headers.host);
  if (IsSaneHost(host)) out.host = std::string(host);
  if (!peer_ip || !trusted_proxies.Contains(*peer_ip)) return out;

  std::vector<absl::string_view> hops =
      absl::StrSplit(headers.forwarded_for, ',', absl::SkipWhitespace());
  for (auto it = hops.rbegin(); it != hops.rend(); ++it) {
    std::optional<IpAddress> hop = ParseHop(*it);
    // A hop that is no address was not written by a proxy we trust: stop at
    // the last address we could vouch for.
    if (!hop) break;
    out.address = hop->ToString();
    if (!trusted_proxies.Contains(*hop)) break;
  }
  absl::string_view forwarded_host = LastValue(headers.forwarded_host);
  if (IsSaneHost(forwarded_host)) out.host = std::string(forwarded_host);
  std::string proto = absl::AsciiStrToLower(LastValue(headers.forwarded_proto));
  if (proto == "http" || proto == "https") out.scheme = proto;
  return out;
}

}  // namespace scim::edge
