// Tests only: a KvStore over another whose unsynced commits
// (BeginUnsyncedTransaction) are lost, as a power loss right after each
// would lose them; synced ones go through. A test then checks that what
// committed unsynced can be lost and done again with the same result.
#ifndef SCIM_STORAGE_POWER_LOSS_KV_STORE_FOR_TESTS_H_
#define SCIM_STORAGE_POWER_LOSS_KV_STORE_FOR_TESTS_H_

#include <atomic>
#include <memory>
#include <utility>

#include "storage/forwarding_kv_store.h"

namespace scim {

class PowerLossKvStore : public ForwardingKvStore {
 public:
  explicit PowerLossKvStore(KvStore* inner) : ForwardingKvStore(inner) {}

  // Unsynced commits so far (each one lost).
  int lost_commits() const { return lost_.load(); }

  std::unique_ptr<KvTransaction> BeginUnsyncedTransaction() override {
    return std::make_unique<Lost>(inner()->BeginTransaction(), &lost_);
  }

 private:
  // Reads and locks as the inner transaction does; the commit succeeds and
  // writes nothing.
  class Lost : public ForwardingKvTransaction {
   public:
    Lost(std::unique_ptr<KvTransaction> inner, std::atomic<int>* lost)
        : ForwardingKvTransaction(std::move(inner)), lost_(lost) {}
    absl::Status Commit() override {
      DiscardInner();
      lost_->fetch_add(1);
      return absl::OkStatus();
    }

   private:
    std::atomic<int>* lost_;
  };

  std::atomic<int> lost_{0};
};

}  // namespace scim

#endif  // SCIM_STORAGE_POWER_LOSS_KV_STORE_FOR_TESTS_H_
