// A webhook endpoint's URL, parsed strictly: what the destination guard vets
// and what the sender connects to are the same parse of the same string.
#ifndef SCIM_WEBHOOKS_WEBHOOK_URL_H_
#define SCIM_WEBHOOKS_WEBHOOK_URL_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace scim::webhooks {

inline constexpr size_t kMaxUrlLength = 2048;

struct WebhookUrl {
  std::string scheme;  // "http" or "https", lower case
  std::string host;    // lower case; an IPv6 literal without its brackets
  int port = 0;        // explicit or the scheme's default
  std::string target;  // path and query, at least "/"

  // "scheme://host:port" (IPv6 literals bracketed): what an HTTP client is
  // pointed at.
  std::string Origin() const;
};

// http or https only; a host is required; no userinfo, no fragment, no
// percent-encoding or zone in the host; port 1-65535; printable ASCII only;
// at most kMaxUrlLength bytes. INVALID_ARGUMENT (invalidValue) says which.
absl::StatusOr<WebhookUrl> ParseWebhookUrl(absl::string_view url);

}  // namespace scim::webhooks

#endif  // SCIM_WEBHOOKS_WEBHOOK_URL_H_
