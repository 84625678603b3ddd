// The access log: one structured line per HTTP request (see access_log.h).
#include "edge/access_log.h"

#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "httplib.h"

namespace scim::edge {

void LogAccess(const Call& call, absl::Duration latency) {
  LogInfo("request",
          {{"request_id", call.request_id},
           {"method", call.req.method},
           {"route", call.route},
           {"status", absl::StrCat(call.res.status)},
           {"latency_ms", absl::StrCat(absl::ToDoubleMilliseconds(latency))},
           {"tenant", call.tenant},
           {"credential", call.principal.credential_id},
           {"remote", call.origin.address}});
}

}  // namespace scim::edge
