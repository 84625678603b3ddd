#include "token-service/token_component.h"

namespace scim::token {

absl::StatusOr<std::unique_ptr<TokenComponent>> TokenComponent::Open(
    const std::string& db_dir, const std::string& admin_token,
    Runtime runtime, const KeyEncryption* kek) {
  auto kv = OpenRocksDbKvStore(db_dir, ColumnFamilies(),
                               InDataFormat(data_format()));
  if (!kv.ok()) return kv.status();
  return std::make_unique<TokenComponent>(std::move(*kv), admin_token, runtime, kek);
}

TokenComponent::TokenComponent(std::unique_ptr<KvStore> kv,
                               const std::string& admin_token,
                               Runtime runtime, const KeyEncryption* kek)
    : runtime_(runtime),
      kv_(std::move(kv)),
      store_metrics_("rocksdb", "store", "token", [this] { return kv_->Stats(); }),
      outbox_(kv_.get(), TokenStore::kOutboxCf, "token"),
      store_(kv_.get(), &outbox_, runtime.clock, runtime.random),
      oauth_(kv_.get(), &outbox_, &store_, runtime.clock, runtime.random, kek),
      links_(kv_.get(), &outbox_, &store_, runtime.clock, runtime.random),
      service_(&store_, &oauth_, &links_, admin_token) {}

TokenComponent::~TokenComponent() { StopShipping(); }

void TokenComponent::StartShipping(
    std::shared_ptr<v1::AuditService::StubInterface> audit,
    const std::string& admin_token) {
  outbox_.StartShipping(audit::NewGrpcAuditSink(std::move(audit), admin_token),
                        runtime_.clock);
}

void TokenComponent::StopShipping() { outbox_.StopShipping(); }

}  // namespace scim::token
