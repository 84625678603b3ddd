#include "storage/kv_store.h"

namespace scim {

absl::Status RunInTransaction(
    KvStore& store, const std::function<absl::Status(KvTransaction&)>& body) {
  constexpr int kAttempts = 8;
  absl::Status status;
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    std::unique_ptr<KvTransaction> txn = store.BeginTransaction();
    status = body(*txn);
    if (status.ok()) status = txn->Commit();
    if (!absl::IsAborted(status)) return status;
  }
  return status;
}

}  // namespace scim
