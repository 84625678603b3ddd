#include "token-service/token_component.h"

namespace scim::token {

absl::StatusOr<std::unique_ptr<TokenComponent>> TokenComponent::Open(
    const std::string& db_dir, const std::string& admin_token) {
  auto kv = OpenRocksDbKvStore(db_dir, ColumnFamilies());
  if (!kv.ok()) return kv.status();
  return std::make_unique<TokenComponent>(std::move(*kv), admin_token);
}

TokenComponent::TokenComponent(std::unique_ptr<KvStore> kv,
                               const std::string& admin_token)
    : kv_(std::move(kv)),
      store_(kv_.get(), Clock::Real(), RandomSource::Secure()),
      service_(&store_, admin_token) {}

}  // namespace scim::token
