#include "edge/admin/redis_session_store.h"

#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/key_encryption.h"
#include "nlohmann/json.hpp"

namespace scim::edge {
namespace {

using Json = nlohmann::json;

// SET with an expiry in milliseconds; the session dies in Redis when it does.
constexpr RedisScript kPut(R"lua(
redis.call('SET', KEYS[1], ARGV[1], 'PX', tonumber(ARGV[2]))
return 1
)lua");
constexpr RedisScript kGet(R"lua(
return redis.call('GET', KEYS[1])
)lua");
constexpr RedisScript kDelete(R"lua(
return redis.call('DEL', KEYS[1])
)lua");

// The sealing key of session `id`: only a holder of the cookie can derive it.
std::unique_ptr<KeyEncryption> SealingKey(const std::string& id) {
  auto key = KeyEncryption::FromKey(Sha256(absl::StrCat("scim console session seal\n", id)));
  return key.ok() ? std::move(*key) : nullptr;
}

std::string Encode(const Session& s) {
  return Json{{"kind", s.kind == Session::Kind::kAdmin ? "admin" : "setupLink"},
              {"credential", s.credential},
              {"tenant", s.tenant},
              {"csrf", s.csrf},
              {"expires", absl::ToUnixSeconds(s.expires)}}
      .dump();
}

std::optional<Session> Decode(const std::string& text) {
  Json j = Json::parse(text, nullptr, false);
  if (!j.is_object() || !j["kind"].is_string() || !j["credential"].is_string() ||
      !j["tenant"].is_string() || !j["csrf"].is_string() || !j["expires"].is_number_integer()) {
    return std::nullopt;
  }
  Session s;
  s.kind = j["kind"] == "admin" ? Session::Kind::kAdmin : Session::Kind::kSetupLink;
  s.credential = j["credential"];
  s.tenant = j["tenant"];
  s.csrf = j["csrf"];
  s.expires = absl::FromUnixSeconds(j["expires"].get<int64_t>());
  return s;
}

}  // namespace

RedisSessionStore::RedisSessionStore(std::shared_ptr<RedisClient> redis, Clock* clock,
                                     RandomSource* random, size_t max_local_sessions)
    : redis_(std::move(redis)),
      clock_(clock),
      random_(random),
      local_(clock, random, max_local_sessions) {}

std::string RedisSessionStore::KeyOf(const std::string& id) {
  return absl::StrCat("scim:console:session:", HexEncode(Sha256(id)));
}

std::string RedisSessionStore::Create(Session session) {
  const std::string id = NewToken();
  const int64_t ttl_ms = absl::ToInt64Milliseconds(session.expires - clock_->Now());
  std::unique_ptr<KeyEncryption> seal = SealingKey(id);
  if (ttl_ms > 0 && seal != nullptr) {
    std::optional<RedisValue> stored =
        redis_->Eval(kPut, {KeyOf(id)}, {seal->Seal(Encode(session), *random_),
                                         absl::StrCat(ttl_ms)});
    if (stored.has_value()) return id;
  }
  local_.Put(id, std::move(session));
  return id;
}

std::optional<Session> RedisSessionStore::Find(const std::string& id) {
  if (id.empty()) return std::nullopt;
  if (std::optional<Session> local = local_.Find(id)) return local;
  std::optional<RedisValue> value = redis_->Eval(kGet, {KeyOf(id)}, {});
  if (!value.has_value() || value->type != RedisValue::Type::kString) return std::nullopt;
  std::unique_ptr<KeyEncryption> seal = SealingKey(id);
  if (seal == nullptr) return std::nullopt;
  absl::StatusOr<std::string> opened = seal->Open(value->str);
  if (!opened.ok()) return std::nullopt;
  std::optional<Session> session = Decode(*opened);
  if (!session.has_value() || clock_->Now() >= session->expires) return std::nullopt;
  return session;
}

void RedisSessionStore::Revoke(const std::string& id) {
  local_.Revoke(id);
  if (!id.empty()) redis_->Eval(kDelete, {KeyOf(id)}, {});
}

}  // namespace scim::edge
