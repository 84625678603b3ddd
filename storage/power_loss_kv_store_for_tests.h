// Tests only: a KvStore over another whose unsynced commits
// (BeginUnsyncedTransaction) are lost, as a power loss right after each
// would lose them; synced ones go through. A test then checks that what
// committed unsynced can be lost and done again with the same result.
#ifndef SCIM_STORAGE_POWER_LOSS_KV_STORE_FOR_TESTS_H_
#define SCIM_STORAGE_POWER_LOSS_KV_STORE_FOR_TESTS_H_

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "storage/kv_store.h"

namespace scim {

class PowerLossKvStore : public KvStore {
 public:
  explicit PowerLossKvStore(KvStore* inner) : inner_(inner) {}

  // Unsynced commits so far (each one lost).
  int lost_commits() const { return lost_.load(); }

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
    return std::make_unique<Lost>(inner_->BeginTransaction(), &lost_);
  }
  absl::Status IngestSorted(absl::string_view cf,
                            const std::vector<std::pair<std::string, std::string>>& rows) override {
    return inner_->IngestSorted(cf, rows);
  }
  absl::Status DeleteRange(absl::string_view cf, absl::string_view begin,
                           absl::string_view end) override {
    return inner_->DeleteRange(cf, begin, end);
  }

 private:
  // Reads and locks as the inner transaction does; the commit succeeds and
  // writes nothing.
  class Lost : public KvTransaction {
   public:
    Lost(std::unique_ptr<KvTransaction> inner, std::atomic<int>* lost)
        : inner_(std::move(inner)), lost_(lost) {}
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
    absl::Status Commit() override {
      inner_.reset();  // discarded, uncommitted
      lost_->fetch_add(1);
      return absl::OkStatus();
    }

   private:
    std::unique_ptr<KvTransaction> inner_;
    std::atomic<int>* lost_;
  };

  KvStore* inner_;
  std::atomic<int> lost_{0};
};

}  // namespace scim

#endif  // SCIM_STORAGE_POWER_LOSS_KV_STORE_FOR_TESTS_H_
