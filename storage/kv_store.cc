#include "storage/kv_store.h"

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"

namespace scim {
namespace {

constexpr char kLockConflictPayload[] = "type.scim/storage.LockConflict";

}  // namespace

absl::Status LockConflictError(absl::string_view detail) {
  absl::Status status = absl::AbortedError(
      absl::StrCat("storage conflict: ", detail));
  status.SetPayload(kLockConflictPayload, absl::Cord("1"));
  return status;
}

bool IsLockConflict(const absl::Status& status) {
  return absl::IsAborted(status) &&
         status.GetPayload(kLockConflictPayload).has_value();
}

absl::Status RunInTransaction(
    KvStore& store, const std::function<absl::Status(KvTransaction&)>& body) {
  constexpr int kAttempts = 8;
  absl::Status status;
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    std::unique_ptr<KvTransaction> txn = store.BeginTransaction();
    status = body(*txn);
    if (status.ok()) status = txn->Commit();
    if (!IsLockConflict(status)) return status;
  }
  return status;
}

}  // namespace scim
