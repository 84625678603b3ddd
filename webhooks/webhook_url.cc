#include "webhooks/webhook_url.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/status.h"

namespace scim::webhooks {
namespace {

absl::Status Bad(absl::string_view why) {
  return InvalidValue(absl::StrCat("webhook url: ", why));
}

bool IsHostChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' ||
         c == '_';
}

}  // namespace

std::string WebhookUrl::Origin() const {
  const bool v6 = host.find(':') != std::string::npos;
  return absl::StrCat(scheme, "://", v6 ? "[" : "", host, v6 ? "]" : "", ":", port);
}

absl::StatusOr<WebhookUrl> ParseWebhookUrl(absl::string_view url) {
  if (url.empty()) return Bad("required");
  if (url.size() > kMaxUrlLength) {
    return Bad(absl::StrCat("longer than ", kMaxUrlLength, " bytes"));
  }
  for (char c : url) {
    const auto u = static_cast<unsigned char>(c);
    // Spaces, controls and raw non-ASCII bytes are where parsers disagree.
    if (u <= 0x20 || u >= 0x7f) return Bad("only printable ASCII (percent-encode the rest)");
    if (c == '\\') return Bad("a backslash is not allowed");
  }
  WebhookUrl out;
  const size_t colon = url.find("://");
  if (colon == absl::string_view::npos) return Bad("must start with http:// or https://");
  out.scheme = absl::AsciiStrToLower(url.substr(0, colon));
  if (out.scheme != "http" && out.scheme != "https") {
    return Bad("the scheme must be http or https");
  }
  absl::string_view rest = url.substr(colon + 3);
  const size_t end = rest.find_first_of("/?#");
  absl::string_view authority = rest.substr(0, end);
  absl::string_view target = end == absl::string_view::npos ? "" : rest.substr(end);
  if (absl::StrContains(target, '#')) return Bad("a fragment is not allowed");
  if (absl::StrContains(authority, '@')) return Bad("credentials in the URL are not allowed");

  absl::string_view host;
  absl::string_view port;
  if (absl::StartsWith(authority, "[")) {
    const size_t close = authority.find(']');
    if (close == absl::string_view::npos) return Bad("unclosed [ in the host");
    host = authority.substr(1, close - 1);
    absl::string_view after = authority.substr(close + 1);
    if (!after.empty() && !absl::ConsumePrefix(&after, ":")) {
      return Bad("unexpected text after the IPv6 address");
    }
    port = after;
    if (host.empty()) return Bad("a host is required");
    for (char c : host) {
      if (!absl::ascii_isxdigit(static_cast<unsigned char>(c)) && c != ':' && c != '.') {
        return Bad("an IPv6 literal holds hex digits, ':' and '.' only (no zone)");
      }
    }
  } else {
    const size_t last = authority.rfind(':');
    host = authority.substr(0, last);
    if (last != absl::string_view::npos) port = authority.substr(last + 1);
    if (host.empty()) return Bad("a host is required");
    for (char c : host) {
      if (!IsHostChar(c)) {
        return Bad("the host may hold letters, digits, '-', '_' and '.' only");
      }
    }
  }
  out.host = absl::AsciiStrToLower(host);
  if (port.empty()) {
    if (authority.size() > 0 && authority.back() == ':') return Bad("empty port");
    out.port = out.scheme == "https" ? 443 : 80;
  } else {
    int value = 0;
    if (port.size() > 5 || !std::all_of(port.begin(), port.end(), [](char c) {
          return absl::ascii_isdigit(static_cast<unsigned char>(c));
        }) || !absl::SimpleAtoi(port, &value) || value < 1 || value > 65535) {
      return Bad("the port must be a number from 1 to 65535");
    }
    out.port = value;
  }
  out.target = target.empty() ? "/" : std::string(target);
  if (out.target.front() == '?') out.target.insert(0, "/");
  return out;
}

}  // namespace scim::webhooks
