// The access log: one structured line per HTTP request the edge answered.
#ifndef SCIM_EDGE_ACCESS_LOG_H_
#define SCIM_EDGE_ACCESS_LOG_H_

#include "absl/time/time.h"
#include "edge/call.h"

namespace scim::edge {

// Logs `call` once answered: route (not path), status, latency, tenant and
// credential id (never the secret).
void LogAccess(const Call& call, absl::Duration latency);

}  // namespace scim::edge

#endif  // SCIM_EDGE_ACCESS_LOG_H_
