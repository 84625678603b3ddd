// What sends one webhook POST. The dispatcher talks to this interface, so
// that its tests use a fake; HttplibSender is the real one.
#ifndef SCIM_WEBHOOKS_SENDER_H_
#define SCIM_WEBHOOKS_SENDER_H_

#include <string>
#include <utility>
#include <vector>

namespace scim::webhooks {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct SendResult {
  // The HTTP status, or 0 when no response came (connection, TLS, timeout).
  int status = 0;
  // The Retry-After header as sent (empty when absent).
  std::string retry_after;
  // Why it failed, briefly (for the endpoint's last_error); "" on 2xx.
  std::string error;

  bool ok() const { return status >= 200 && status < 300; }
};

class WebhookSender {
 public:
  virtual ~WebhookSender() = default;
  // POSTs `body` to `url`, connecting to `vetted_ip` (DestinationGuard) and
  // never to another address; never follows a redirect.
  virtual SendResult Post(const std::string& url, const std::string& vetted_ip,
                          const HeaderList& headers, const std::string& body) = 0;
};

}  // namespace scim::webhooks

#endif  // SCIM_WEBHOOKS_SENDER_H_
