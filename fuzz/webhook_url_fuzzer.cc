// Webhook URL parsing (webhooks/webhook_url.h), the SSRF guard's first step,
// and the address classifier on what a parse yields. A URL that parses must
// stay within its bounds and parse again, from its origin and target, to
// the same parts.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/strings/str_cat.h"
#include "webhooks/destination_guard.h"
#include "webhooks/webhook_url.h"

using namespace scim::webhooks;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  auto url = ParseWebhookUrl(input);
  // The classifier takes any text (it is handed resolver output).
  (void)AddressKind(input);
  if (!url.ok()) return 0;
  auto fail = [&](const char* what) {
    std::fprintf(stderr, "%s: %s\n", what, input.c_str());
    std::abort();
  };
  if (input.size() > kMaxUrlLength) fail("accepted a URL over the length bound");
  if (url->scheme != "http" && url->scheme != "https") fail("accepted another scheme");
  if (url->host.empty()) fail("accepted an empty host");
  if (url->port < 1 || url->port > 65535) fail("accepted a port out of range");
  if (url->target.empty() || url->target[0] != '/') fail("a target not starting with /");
  (void)AddressKind(url->host);
  const std::string again = absl::StrCat(url->Origin(), url->target);
  if (again.size() <= kMaxUrlLength + 16) {
    auto reparsed = ParseWebhookUrl(again);
    if (!reparsed.ok() && again.size() <= kMaxUrlLength) fail("origin + target does not parse");
    if (reparsed.ok() && (reparsed->scheme != url->scheme || reparsed->host != url->host ||
                          reparsed->port != url->port || reparsed->target != url->target)) {
      fail("origin + target parses to other parts");
    }
  }
  return 0;
}
