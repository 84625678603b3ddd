#include "edge/edge_flags.h"

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "edge/redis_rate_limiter.h"

ABSL_FLAG(int32_t, http_threads, 16,
          "HTTP worker threads kept warm; each serves one connection at a "
          "time and the pool grows on demand up to --http_max_threads");
ABSL_FLAG(int32_t, http_max_threads, 512,
          "upper bound of HTTP worker threads; beyond it new connections "
          "wait (counted in scim_http_saturation_total{reason=\"pool_full\"})");
ABSL_FLAG(int32_t, max_connections_per_client, 64,
          "open HTTP connections per client address (IPv6: per /64); more "
          "are answered 429 and closed; --trusted_proxies are exempt");
ABSL_FLAG(absl::Duration, request_read_timeout, absl::Seconds(10),
          "total time to receive one request's headers and body, however "
          "slowly they trickle in; then 408 and the connection is closed");
ABSL_FLAG(absl::Duration, http_keep_alive_timeout, absl::Seconds(30),
          "how long an HTTP connection may idle between requests");
ABSL_FLAG(absl::Duration, drain_timeout, absl::Seconds(30),
          "on SIGTERM: stop accepting, then let requests in flight finish for at "
          "most this long before exiting");
ABSL_FLAG(absl::Duration, dependency_grace, absl::Seconds(30),
          "/readyz stays ready (degraded: SCIM answers 503 with Retry-After) while any "
          "service the edge calls answers; with none reachable for this long, unready");
ABSL_FLAG(std::string, trusted_proxies, "",
          "comma-separated CIDRs (IPv4 or IPv6) of the proxies whose "
          "X-Forwarded-For/-Host/-Proto headers are believed; others' are "
          "ignored");
ABSL_FLAG(int64_t, max_body_bytes, 1 << 20,
          "request bodies above this size get 413");
ABSL_FLAG(bool, access_log, true, "log one JSON line per HTTP request");
ABSL_FLAG(std::string, redis, "",
          "redis://host:port, or sentinel://host:port[,host:port...]/name (Redis "
          "Sentinel): rate limits shared by every edge, the ETag cache and console "
          "sessions; empty = in-process limits, no ETag cache");

namespace scim::edge {

absl::StatusOr<EdgeOptions> EdgeOptionsFromFlags() {
  EdgeOptions options;
  auto trusted = CidrSet::Parse(absl::GetFlag(FLAGS_trusted_proxies));
  if (!trusted.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--trusted_proxies: ", trusted.status().message()));
  }
  options.http.trusted_proxies = *std::move(trusted);
  const absl::Duration read_timeout = absl::GetFlag(FLAGS_request_read_timeout);
  const absl::Duration keep_alive = absl::GetFlag(FLAGS_http_keep_alive_timeout);
  if (read_timeout <= absl::ZeroDuration() || keep_alive <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        "--request_read_timeout and --http_keep_alive_timeout must be positive");
  }
  options.http.request_read_timeout = read_timeout;
  options.http.keep_alive_timeout = keep_alive;
  options.drain_timeout = std::max(absl::ZeroDuration(), absl::GetFlag(FLAGS_drain_timeout));
  options.dependency_grace =
      std::max(absl::ZeroDuration(), absl::GetFlag(FLAGS_dependency_grace));
  options.http.threads = std::max(1, absl::GetFlag(FLAGS_http_threads));
  options.http.max_threads =
      std::max(options.http.threads, absl::GetFlag(FLAGS_http_max_threads));
  options.http.max_connections_per_client =
      std::max(1, absl::GetFlag(FLAGS_max_connections_per_client));
  options.http.max_body_bytes =
      static_cast<size_t>(std::max<int64_t>(1, absl::GetFlag(FLAGS_max_body_bytes)));
  options.access_log = absl::GetFlag(FLAGS_access_log);
  return options;
}

absl::StatusOr<RedisAccelerators> RedisFromFlags(Clock* clock) {
  const std::string url = absl::GetFlag(FLAGS_redis);
  RedisAccelerators out;
  if (url.empty()) return out;
  auto redis = RedisClient::Create(url, clock);
  if (!redis.ok()) return redis.status();
  out.client = std::move(*redis);
  out.etags = std::make_unique<EtagCache>(out.client, clock);
  return out;
}

std::unique_ptr<RateLimiter> NewRateLimiter(std::shared_ptr<RedisClient> redis,
                                            Clock* clock) {
  if (redis == nullptr) return std::make_unique<LocalRateLimiter>(clock);
  return std::make_unique<RedisRateLimiter>(std::move(redis), clock);
}

}  // namespace scim::edge
