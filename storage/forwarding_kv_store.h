// A KvStore and a KvTransaction that hand every call to another: the bases
// of decorators (the tenant fence, test doubles that count, gate or lose
// writes), which override only what they change.
#ifndef SCIM_STORAGE_FORWARDING_KV_STORE_H_
#define SCIM_STORAGE_FORWARDING_KV_STORE_H_

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "storage/kv_store.h"

namespace scim {

class ForwardingKvTransaction : public KvTransaction {
 public:
  explicit ForwardingKvTransaction(std::unique_ptr<KvTransaction> inner)
      : inner_(std::move(inner)) {}

  absl::StatusOr<std::optional<std::string>> GetForUpdate(absl::string_view cf,
                                                          absl::string_view key) override {
    return inner_->GetForUpdate(cf, key);
  }
  absl::Status Put(absl::string_view cf, absl::string_view key,
                   absl::string_view value) override {
    return inner_->Put(cf, key, value);
  }
  absl::Status Delete(absl::string_view cf, absl::string_view key) override {
    return inner_->Delete(cf, key);
  }
  absl::Status AddToCounter(absl::string_view cf, absl::string_view key,
                            int64_t delta) override {
    return inner_->AddToCounter(cf, key, delta);
  }
  absl::Status Scan(absl::string_view cf, absl::string_view prefix, absl::string_view start,
                    const ScanFn& fn) override {
    return inner_->Scan(cf, prefix, start, fn);
  }
  absl::Status Commit() override { return inner_->Commit(); }

 protected:
  // Ends the inner transaction uncommitted (a decorator's discard).
  void DiscardInner() { inner_.reset(); }

 private:
  std::unique_ptr<KvTransaction> inner_;
};

class ForwardingKvStore : public KvStore {
 public:
  explicit ForwardingKvStore(KvStore* inner) : inner_(inner) {}

  absl::StatusOr<std::optional<std::string>> Get(absl::string_view cf,
                                                 absl::string_view key) override {
    return inner_->Get(cf, key);
  }
  absl::Status Scan(absl::string_view cf, absl::string_view prefix, absl::string_view start,
                    const ScanFn& fn) override {
    return inner_->Scan(cf, prefix, start, fn);
  }
  absl::Status ScanBackward(absl::string_view cf, absl::string_view prefix,
                            absl::string_view before, const ScanFn& fn) override {
    return inner_->ScanBackward(cf, prefix, before, fn);
  }
  std::unique_ptr<KvTransaction> BeginTransaction() override {
    return inner_->BeginTransaction();
  }
  std::unique_ptr<KvTransaction> BeginUnsyncedTransaction() override {
    return inner_->BeginUnsyncedTransaction();
  }
  std::vector<std::pair<std::string, double>> Stats() override { return inner_->Stats(); }
  absl::Status IngestSorted(absl::string_view cf,
                            const std::vector<std::pair<std::string, std::string>>& rows) override {
    return inner_->IngestSorted(cf, rows);
  }
  absl::Status DeleteRange(absl::string_view cf, absl::string_view begin,
                           absl::string_view end) override {
    return inner_->DeleteRange(cf, begin, end);
  }
  absl::Status Compact(absl::string_view cf, absl::string_view begin,
                       absl::string_view end) override {
    return inner_->Compact(cf, begin, end);
  }
  absl::Status CreateCheckpoint(const std::string& dir) override {
    return inner_->CreateCheckpoint(dir);
  }

 protected:
  KvStore* inner() const { return inner_; }

 private:
  KvStore* const inner_;
};

}  // namespace scim

#endif  // SCIM_STORAGE_FORWARDING_KV_STORE_H_
