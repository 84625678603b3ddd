#include "webhooks/httplib_sender.h"

#include <chrono>
#include <memory>

#include "absl/strings/str_cat.h"
#include "httplib.h"
#include "webhooks/webhook_url.h"

namespace scim::webhooks {
namespace {

std::string Truncated(std::string text, size_t max) {
  if (text.size() > max) text.resize(max);
  return text;
}

}  // namespace

SendResult HttplibSender::Post(const std::string& url, const std::string& vetted_ip,
                               const HeaderList& headers, const std::string& body) {
  SendResult result;
  auto parsed = ParseWebhookUrl(url);
  if (!parsed.ok()) {
    result.error = std::string(parsed.status().message());
    return result;
  }
  std::unique_ptr<httplib::ClientImpl> client;
  if (parsed->scheme == "https") {
    auto tls = std::make_unique<httplib::SSLClient>(parsed->host, parsed->port);
    tls->enable_server_certificate_verification(true);
    if (!options_.ca_file.empty()) tls->set_ca_cert_path(options_.ca_file);
    client = std::move(tls);
  } else {
    client = std::make_unique<httplib::ClientImpl>(parsed->host, parsed->port);
  }
  // Connect to the address the guard vetted, never to a fresh DNS answer;
  // TLS still verifies the certificate against the host name.
  client->set_hostname_addr_map({{parsed->host, vetted_ip}});
  const auto timeout = absl::ToChronoMicroseconds(options_.timeout);
  client->set_connection_timeout(timeout);
  client->set_read_timeout(timeout);
  client->set_write_timeout(timeout);
  client->set_follow_location(false);
  client->set_keep_alive(false);
  client->set_decompress(false);
  client->set_url_encode(false);  // the URL is validated printable ASCII

  httplib::Request request;
  request.method = "POST";
  request.path = parsed->target;
  for (const auto& [name, value] : headers) request.headers.emplace(name, value);
  request.headers.emplace("Content-Type", "application/json");
  request.headers.emplace("User-Agent", options_.user_agent);
  request.body = body;

  const auto deadline = std::chrono::steady_clock::now() +
                        absl::ToChronoMicroseconds(options_.total_timeout);
  bool too_slow = false;
  request.response_handler = [&](const httplib::Response&) {
    too_slow = std::chrono::steady_clock::now() > deadline;
    return !too_slow;
  };
  // Only the status matters: read at most max_response_bytes of the body,
  // then stop (the connection is closed, not drained).
  size_t read = 0;
  bool capped = false;
  request.content_receiver = [&](const char*, size_t n, uint64_t, uint64_t) {
    read += n;
    if (read > options_.max_response_bytes) capped = true;
    if (std::chrono::steady_clock::now() > deadline) too_slow = true;
    return !capped && !too_slow;
  };

  httplib::Response response;
  httplib::Error error = httplib::Error::Success;
  const bool sent = client->send(request, response, error);
  if (!sent && !(error == httplib::Error::Canceled && capped && !too_slow)) {
    result.status = 0;
    result.error = too_slow ? absl::StrCat("no complete answer within ",
                                           absl::FormatDuration(options_.total_timeout))
                            : absl::StrCat("transport error: ", httplib::to_string(error));
    return result;
  }
  result.status = response.status;
  result.retry_after = Truncated(response.get_header_value("Retry-After"), 128);
  if (!result.ok()) {
    if (result.status >= 300 && result.status < 400) {
      result.error = absl::StrCat(
          "HTTP ", result.status, ": redirects are not followed (Location: ",
          Truncated(response.get_header_value("Location"), 200), ")");
    } else {
      result.error = absl::StrCat("HTTP ", result.status);
    }
  }
  return result;
}

}  // namespace scim::webhooks
