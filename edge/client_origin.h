// Who the client is and which origin it addressed: the TCP peer and Host,
// unless the peer is a trusted proxy, whose X-Forwarded-* headers are then
// believed. A client talking to the edge directly cannot steer Location or
// the address the audit log records.
#ifndef SCIM_EDGE_CLIENT_ORIGIN_H_
#define SCIM_EDGE_CLIENT_ORIGIN_H_

#include <string>

#include "absl/strings/string_view.h"
#include "edge/cidr_set.h"

namespace scim::edge {

// The request's headers that matter; repeated headers joined with ",".
struct ForwardingHeaders {
  std::string host;
  std::string forwarded_for;
  std::string forwarded_host;
  std::string forwarded_proto;
};

struct ClientOrigin {
  std::string address;  // the client's IP
  std::string host;     // host[:port] it addressed; empty if none was sane
  std::string scheme;   // "http" or "https"
};

// `peer` is the TCP peer's address, `tls` whether the connection is TLS.
// Behind trusted proxies the client is the right-most X-Forwarded-For hop
// that is not itself a trusted proxy (hops to its left are the client's own
// claims); the host and scheme are the right-most X-Forwarded-Host/-Proto
// values, those the nearest proxy wrote.
ClientOrigin ResolveClientOrigin(const CidrSet& trusted_proxies,
                                 absl::string_view peer, bool tls,
                                 const ForwardingHeaders& headers);

}  // namespace scim::edge

#endif  // SCIM_EDGE_CLIENT_ORIGIN_H_
