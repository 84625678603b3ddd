#include "storage/kv_store.h"

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"

namespace scim {
namespace {

constexpr char kLockConflictPayload[] = "type.scim/storage.LockConflict";

}  // namespace

std::string PrefixSuccessor(absl::string_view prefix) {
  std::string end(prefix);
  while (!end.empty() && static_cast<unsigned char>(end.back()) == 0xff) end.pop_back();
  if (!end.empty()) end.back() = static_cast<char>(end.back() + 1);
  return end;
}

std::string EncodeCounter(int64_t value) {
  std::string out(8, '\0');
  uint64_t bits = static_cast<uint64_t>(value);
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((bits >> (8 * i)) & 0xff);
  return out;
}

absl::StatusOr<int64_t> DecodeCounter(absl::string_view bytes) {
  if (bytes.size() != 8) {
    return absl::DataLossError(
        absl::StrCat("a counter has ", bytes.size(), " bytes, not 8"));
  }
  uint64_t bits = 0;
  for (int i = 7; i >= 0; --i) {
    bits = (bits << 8) | static_cast<unsigned char>(bytes[i]);
  }
  return static_cast<int64_t>(bits);
}

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

std::unique_ptr<KvTransaction> BeginTransaction(KvStore& store, Durability durability) {
  return durability == Durability::kUnsynced ? store.BeginUnsyncedTransaction()
                                             : store.BeginTransaction();
}

absl::Status RunInTransaction(
    KvStore& store, const std::function<absl::Status(KvTransaction&)>& body,
    Durability durability) {
  constexpr int kAttempts = 8;
  absl::Status status;
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    std::unique_ptr<KvTransaction> txn = BeginTransaction(store, durability);
    status = body(*txn);
    if (status.ok()) status = txn->Commit();
    if (!IsLockConflict(status)) return status;
  }
  return status;
}

}  // namespace scim
