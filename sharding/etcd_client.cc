#include "sharding/etcd_client.h"

#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "httplib.h"
#include "nlohmann/json.hpp"

namespace scim::sharding {
namespace {

using json = nlohmann::json;

// Answers larger than this are refused: the shard map is small, and an
// endpoint that is not etcd must not make us buffer without bound.
constexpr size_t kMaxAnswerBytes = 64 << 20;

std::string B64(const std::string& s) { return absl::Base64Escape(s); }

absl::StatusOr<std::string> UnB64(const json& v) {
  if (!v.is_string()) return std::string();
  std::string out;
  if (!absl::Base64Unescape(v.get<std::string>(), &out)) {
    return absl::DataLossError("etcd sent bad base64");
  }
  return out;
}

// The gateway prints int64 fields as strings, and leaves out zeros.
int64_t Int(const json& o, const char* key) {
  auto it = o.find(key);
  if (it == o.end()) return 0;
  if (it->is_number_integer()) return it->get<int64_t>();
  int64_t v = 0;
  if (it->is_string() && absl::SimpleAtoi(it->get<std::string>(), &v)) return v;
  return 0;
}

absl::StatusOr<EtcdKv> KvOf(const json& kv) {
  if (!kv.is_object()) return absl::DataLossError("etcd sent a malformed key-value");
  EtcdKv out;
  auto key = UnB64(kv.value("key", json()));
  if (!key.ok()) return key.status();
  auto value = UnB64(kv.value("value", json()));
  if (!value.ok()) return value.status();
  out.key = *key;
  out.value = *value;
  out.create_revision = Int(kv, "create_revision");
  out.mod_revision = Int(kv, "mod_revision");
  return out;
}

absl::StatusOr<json> ParseAnswer(const std::string& body) {
  json doc = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) {
    return absl::DataLossError("etcd sent something that is not JSON");
  }
  return doc;
}

}  // namespace

std::string RangeEnd(const std::string& prefix) {
  std::string end = prefix;
  while (!end.empty()) {
    if (static_cast<unsigned char>(end.back()) < 0xff) {
      end.back() = static_cast<char>(static_cast<unsigned char>(end.back()) + 1);
      return end;
    }
    end.pop_back();
  }
  return std::string(1, '\0');  // etcd: every key
}

absl::StatusOr<std::unique_ptr<EtcdClient>> EtcdClient::Connect(const std::string& flag,
                                                                absl::Duration timeout) {
  std::vector<std::string> endpoints;
  for (absl::string_view part : absl::StrSplit(flag, ',', absl::SkipWhitespace())) {
    part = absl::StripAsciiWhitespace(part);
    if (absl::StartsWith(part, "https://")) {
      return absl::InvalidArgumentError("--etcd: https endpoints are not supported; use http:// "
                                        "inside the cluster network (NetworkPolicy limits who "
                                        "reaches etcd)");
    }
    absl::ConsumePrefix(&part, "http://");
    absl::ConsumeSuffix(&part, "/");
    const size_t colon = part.rfind(':');
    int port = 0;
    if (colon == absl::string_view::npos || colon == 0 ||
        !absl::SimpleAtoi(part.substr(colon + 1), &port) || port <= 0 || port > 65535 ||
        absl::StrContains(part, '/')) {
      return absl::InvalidArgumentError(
          absl::StrCat("--etcd: \"", part, "\" is not host:port (expected http://host:port[,host:port...])"));
    }
    endpoints.emplace_back(part);
  }
  if (endpoints.empty() || endpoints.size() > 16) {
    return absl::InvalidArgumentError("--etcd: give 1 to 16 endpoints, http://host:port[,host:port...]");
  }
  return std::unique_ptr<EtcdClient>(new EtcdClient(std::move(endpoints), timeout));
}

EtcdClient::EtcdClient(std::vector<std::string> endpoints, absl::Duration timeout)
    : endpoints_(std::move(endpoints)), timeout_(timeout) {}

EtcdClient::~EtcdClient() { CancelWatch(); }

absl::StatusOr<std::string> EtcdClient::Call(const std::string& path, const std::string& body) {
  std::string last_error = "no endpoint";
  const size_t start = preferred_.load();
  for (size_t i = 0; i < endpoints_.size(); ++i) {
    const size_t index = (start + i) % endpoints_.size();
    httplib::Client client("http://" + endpoints_[index]);
    const auto seconds = absl::ToInt64Seconds(timeout_);
    const auto usec = absl::ToInt64Microseconds(timeout_ - absl::Seconds(seconds));
    client.set_connection_timeout(seconds, usec);
    client.set_read_timeout(seconds, usec);
    client.set_write_timeout(seconds, usec);
    client.set_tcp_nodelay(true);
    auto res = client.Post(path.c_str(), body, "application/json");
    if (!res) {
      last_error = absl::StrCat(endpoints_[index], ": ", httplib::to_string(res.error()));
      continue;
    }
    if (res->body.size() > kMaxAnswerBytes) {
      return absl::DataLossError(absl::StrCat("etcd at ", endpoints_[index], " answered too much"));
    }
    if (res->status == 200) {
      preferred_ = index;
      return res->body;
    }
    // A member without a leader, or overloaded: another may answer.
    last_error = absl::StrCat(endpoints_[index], " answered ", res->status, ": ",
                              res->body.substr(0, 200));
    if (res->status < 500) {
      return absl::InvalidArgumentError(absl::StrCat("etcd refused ", path, ": ", last_error));
    }
  }
  return absl::UnavailableError(absl::StrCat("etcd unreachable (", last_error, ")"));
}

absl::StatusOr<std::optional<EtcdKv>> EtcdClient::Get(const std::string& key) {
  auto body = Call("/v3/kv/range", json{{"key", B64(key)}}.dump());
  if (!body.ok()) return body.status();
  auto doc = ParseAnswer(*body);
  if (!doc.ok()) return doc.status();
  auto kvs = doc->find("kvs");
  if (kvs == doc->end() || !kvs->is_array() || kvs->empty()) return std::optional<EtcdKv>();
  auto kv = KvOf((*kvs)[0]);
  if (!kv.ok()) return kv.status();
  return std::optional<EtcdKv>(*std::move(kv));
}

absl::StatusOr<EtcdClient::RangeResult> EtcdClient::Range(const std::string& prefix,
                                                          int64_t limit) {
  json request = {{"key", B64(prefix)}, {"range_end", B64(RangeEnd(prefix))}};
  if (limit > 0) request["limit"] = limit;
  auto body = Call("/v3/kv/range", request.dump());
  if (!body.ok()) return body.status();
  auto doc = ParseAnswer(*body);
  if (!doc.ok()) return doc.status();
  RangeResult out;
  out.revision = Int(doc->value("header", json::object()), "revision");
  auto kvs = doc->find("kvs");
  if (kvs != doc->end() && kvs->is_array()) {
    for (const json& item : *kvs) {
      auto kv = KvOf(item);
      if (!kv.ok()) return kv.status();
      out.kvs.push_back(*std::move(kv));
    }
  }
  return out;
}

absl::Status EtcdClient::Put(const std::string& key, const std::string& value) {
  return Call("/v3/kv/put", json{{"key", B64(key)}, {"value", B64(value)}}.dump()).status();
}

absl::StatusOr<bool> EtcdClient::Txn(const std::vector<EtcdCompare>& compares,
                                     const std::vector<EtcdOp>& ops) {
  json compare = json::array();
  for (const auto& c : compares) {
    compare.push_back({{"key", B64(c.key)},
                       {"target", "MOD"},
                       {"result", "EQUAL"},
                       {"mod_revision", c.mod_revision}});
  }
  json success = json::array();
  for (const auto& op : ops) {
    if (op.value.has_value()) {
      success.push_back({{"request_put", {{"key", B64(op.key)}, {"value", B64(*op.value)}}}});
    } else {
      success.push_back({{"request_delete_range", {{"key", B64(op.key)}}}});
    }
  }
  auto body = Call("/v3/kv/txn", json{{"compare", compare}, {"success", success}}.dump());
  if (!body.ok()) return body.status();
  auto doc = ParseAnswer(*body);
  if (!doc.ok()) return doc.status();
  auto succeeded = doc->find("succeeded");
  return succeeded != doc->end() && succeeded->is_boolean() && succeeded->get<bool>();
}

absl::Status EtcdClient::Watch(const std::string& prefix, int64_t start_revision,
                               const std::function<void(const std::vector<EtcdEvent>&)>& on_events) {
  if (watch_cancelled_) return absl::CancelledError("watch cancelled");
  const std::string endpoint = endpoints_[preferred_.load() % endpoints_.size()];
  httplib::Client client("http://" + endpoint);
  client.set_connection_timeout(absl::ToInt64Seconds(timeout_) + 1);
  // An idle watch sends nothing: the read timeout only bounds how long a
  // silently dead member keeps us; the caller resumes from its revision.
  client.set_read_timeout(60);
  {
    absl::MutexLock lock(&watch_mu_);
    if (watch_cancelled_) return absl::CancelledError("watch cancelled");
    watching_ = &client;
  }
  absl::Status status = absl::OkStatus();
  std::string buffer;
  auto take = [&](const char* data, size_t size) {
    buffer.append(data, size);
    if (buffer.size() > kMaxAnswerBytes) {
      status = absl::DataLossError("etcd watch message too large");
      return false;
    }
    // The gateway writes one JSON object per line.
    size_t newline;
    while ((newline = buffer.find('\n')) != std::string::npos) {
      const std::string line = buffer.substr(0, newline);
      buffer.erase(0, newline + 1);
      if (absl::StripAsciiWhitespace(line).empty()) continue;
      auto doc = ParseAnswer(line);
      if (!doc.ok()) {
        status = doc.status();
        return false;
      }
      const json result = doc->value("result", json::object());
      if (doc->contains("error") || Int(result, "compact_revision") > 0 ||
          result.value("canceled", false)) {
        status = Int(result, "compact_revision") > 0
                     ? absl::OutOfRangeError("etcd compacted the revision being watched")
                     : absl::UnavailableError(absl::StrCat("etcd ended the watch: ", line.substr(0, 200)));
        return false;
      }
      auto events = result.find("events");
      if (events == result.end() || !events->is_array()) continue;
      std::vector<EtcdEvent> out;
      for (const json& e : *events) {
        EtcdEvent event;
        event.deleted = e.value("type", "PUT") == "DELETE";
        auto kv = KvOf(e.value("kv", json::object()));
        if (!kv.ok()) {
          status = kv.status();
          return false;
        }
        event.kv = *std::move(kv);
        out.push_back(std::move(event));
      }
      on_events(out);
    }
    return !watch_cancelled_.load();
  };
  httplib::Request request;
  request.method = "POST";
  request.path = "/v3/watch";
  request.body = json{{"create_request",
                       {{"key", B64(prefix)},
                        {"range_end", B64(RangeEnd(prefix))},
                        {"start_revision", start_revision}}}}
                     .dump();
  request.set_header("Content-Type", "application/json");
  request.content_receiver = [&](const char* data, size_t size, uint64_t, uint64_t) {
    return take(data, size);
  };
  httplib::Response response;
  httplib::Error error = httplib::Error::Success;
  client.send(request, response, error);
  {
    absl::MutexLock lock(&watch_mu_);
    watching_ = nullptr;
  }
  if (watch_cancelled_) return absl::CancelledError("watch cancelled");
  if (!status.ok()) return status;
  return absl::UnavailableError(absl::StrCat("etcd watch at ", endpoint, " ended: ",
                                             httplib::to_string(error)));
}

void EtcdClient::CancelWatch() {
  watch_cancelled_ = true;
  absl::MutexLock lock(&watch_mu_);
  if (watching_ != nullptr) watching_->stop();
}

}  // namespace scim::sharding
