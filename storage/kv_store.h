// The storage interface under every service: named column families of ordered
// byte keys, with pessimistic transactions whose commit is durable.
//
// Services build their domain rules (uniqueness, versions, outbox) on top, so
// the same rules hold over RocksDB and over the in-memory store used by unit
// tests. Both implementations run the same contract suite.
#ifndef SCIM_STORAGE_KV_STORE_H_
#define SCIM_STORAGE_KV_STORE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace scim {

// Called per key in ascending order; return false to stop.
using ScanFn =
    std::function<bool(absl::string_view key, absl::string_view value)>;

class KvTransaction {
 public:
  virtual ~KvTransaction() = default;
  // Reads `key` (seeing this transaction's own writes) and locks it until the
  // transaction ends, so that a check made on it still holds at commit.
  virtual absl::StatusOr<std::optional<std::string>> GetForUpdate(
      absl::string_view cf, absl::string_view key) = 0;
  virtual absl::Status Put(absl::string_view cf, absl::string_view key,
                           absl::string_view value) = 0;
  virtual absl::Status Delete(absl::string_view cf, absl::string_view key) = 0;
  // Adds `delta` to the counter at `key` (absent = 0) when the transaction
  // commits, without locking the key: writers that share a counter never
  // wait on each other for it. Read counters with Get/Scan and
  // DecodeCounter; the transaction's own reads of a counter it added to are
  // unspecified (do not read it in the same transaction).
  virtual absl::Status AddToCounter(absl::string_view cf, absl::string_view key,
                                    int64_t delta) = 0;
  // Like KvStore::Scan, but as this transaction sees the store: its own Puts
  // and Deletes so far included (an operation that follows another in one
  // request must see what the first one wrote). Takes no locks: the caller
  // locks what its decision rests on, as it does without a scan.
  virtual absl::Status Scan(absl::string_view cf, absl::string_view prefix,
                            absl::string_view start, const ScanFn& fn) = 0;
  // Applies every write atomically and durably (synced WAL; see
  // KvStore::BeginUnsyncedTransaction for the one exception). ABORTED when
  // the transaction lost a lock race; the caller may retry from the start.
  // Destroying an uncommitted transaction discards it.
  virtual absl::Status Commit() = 0;
};

class KvStore {
 public:
  virtual ~KvStore() = default;
  virtual absl::StatusOr<std::optional<std::string>> Get(
      absl::string_view cf, absl::string_view key) = 0;
  // Visits the keys that start with `prefix`, beginning at the first key
  // >= `start` (or at `prefix` when `start` is empty).
  virtual absl::Status Scan(absl::string_view cf, absl::string_view prefix,
                            absl::string_view start, const ScanFn& fn) = 0;
  // Visits the keys that start with `prefix` and sort before `before` (all
  // of them when `before` is empty), in descending order.
  virtual absl::Status ScanBackward(absl::string_view cf, absl::string_view prefix,
                                    absl::string_view before, const ScanFn& fn) = 0;
  virtual std::unique_ptr<KvTransaction> BeginTransaction() = 0;
  // A transaction whose Commit returns once the write is in the operating
  // system's hands, not yet on stable storage: it survives the process being
  // killed, and the next synced commit to the store makes it durable too,
  // but a power loss before that may drop it (whole: it stays atomic). Only
  // for writes that may be lost and done again with the same result:
  // derived state that a restart recomputes from synced writes, or the
  // removal of work whose repeat is harmless. Saves an fsync per commit.
  // Stores without such a distinction return an ordinary transaction.
  virtual std::unique_ptr<KvTransaction> BeginUnsyncedTransaction() {
    return BeginTransaction();
  }
  // Engine health figures for metrics (name -> value); empty for stores
  // that have none.
  virtual std::vector<std::pair<std::string, double>> Stats() { return {}; }
  // Bulk load: `rows` (sorted by key, distinct) into `cf` at once, outside
  // any transaction (RocksDB: an SST file ingested atomically and durably).
  // The caller owns the keys: no other writer may touch them meanwhile.
  virtual absl::Status IngestSorted(absl::string_view cf,
                                    const std::vector<std::pair<std::string, std::string>>& rows) = 0;
  // Deletes every key of `cf` in [begin, end) at once, outside any
  // transaction, and reclaims the space (RocksDB: DeleteRange, then a
  // compaction of the range). Same ownership rule as IngestSorted.
  virtual absl::Status DeleteRange(absl::string_view cf, absl::string_view begin,
                                   absl::string_view end) = 0;
  // Rewrites the keys of `cf` in [begin, end) (`end` empty: to the end) so
  // that deleted ones no longer cost a scan anything; what the store holds
  // is unchanged. For queues: a scan from the start of one steps over the
  // deletion marker of every key removed until the engine compacts them
  // (RocksDB: flushes the memtable and compacts the range down to its last
  // level). Stores whose deletions leave nothing behind do nothing.
  virtual absl::Status Compact(absl::string_view cf, absl::string_view begin,
                               absl::string_view end) {
    (void)cf, (void)begin, (void)end;
    return absl::OkStatus();
  }
  // Writes a consistent, openable copy of the whole store to `dir` (which
  // must not exist; on the store's filesystem its files are hard links, so
  // the copy is cheap). UNIMPLEMENTED for stores that have no files.
  virtual absl::Status CreateCheckpoint(const std::string& dir) {
    (void)dir;
    return absl::UnimplementedError("this store keeps no files to copy");
  }
};

// The layout a service's database is written in. Raise `version` when the
// layout changes so that an older binary cannot read it; a newer one then
// migrates (or refuses with a clear error until a migration exists).
struct DataFormat {
  std::string service;  // e.g. "identity": another service's data is refused
  int version = 0;      // 0: not recorded or checked
};

struct RocksDbKvStoreOptions {
  // A writer waiting longer than this for a key lock loses the race
  // (IsLockConflict). Tests shorten it to provoke conflicts.
  int64_t lock_timeout_ms = 2000;
  DataFormat format;
  // Column families of counters (KvTransaction::AddToCounter keys): they get
  // small memtables, so that a scan of them steps over few old versions.
  std::vector<std::string> counter_column_families;
};

// The options of a service's database written in `format`.
inline RocksDbKvStoreOptions InDataFormat(DataFormat format) {
  RocksDbKvStoreOptions options;
  options.format = std::move(format);
  return options;
}

// Opens (creating if needed) a RocksDB TransactionDB at `path` with the given
// column families. With options.format set, a new database records it and an
// existing one must match it (FAILED_PRECONDITION saying what to do
// otherwise); a database from before formats were recorded counts as
// version 1.
absl::StatusOr<std::unique_ptr<KvStore>> OpenRocksDbKvStore(
    const std::string& path, const std::vector<std::string>& column_families,
    const RocksDbKvStoreOptions& options = {});

// Checks a copy of a RocksDB store (a checkpoint, a backup) without changing
// it: opens it read-only, verifies every block checksum, and answers the data
// format it records ("identity 1"; "" when it records none).
absl::StatusOr<std::string> VerifyRocksDbCopy(const std::string& path);

// A process-local store with the same semantics, for tests.
std::unique_ptr<KvStore> NewMemoryKvStore(
    const std::vector<std::string>& column_families);

// The least key above every key that starts with `prefix`; empty when there
// is none (the prefix is empty or all 0xff bytes).
std::string PrefixSuccessor(absl::string_view prefix);

// Counters (KvTransaction::AddToCounter) are 8-byte little-endian two's
// complement integers.
std::string EncodeCounter(int64_t value);
absl::StatusOr<int64_t> DecodeCounter(absl::string_view bytes);

// ABORTED, marked as a lost lock race (a lock wait that timed out, a
// deadlock, a busy key): the transaction may be retried from the start. Told
// apart from any other ABORTED a caller's own rules may return.
absl::Status LockConflictError(absl::string_view detail);
bool IsLockConflict(const absl::Status& status);

// How RunInTransaction commits: synced (the default), or unsynced
// (KvStore::BeginUnsyncedTransaction says when that is right).
enum class Durability { kSynced, kUnsynced };

// store.BeginTransaction() or store.BeginUnsyncedTransaction(), as
// `durability` says.
std::unique_ptr<KvTransaction> BeginTransaction(KvStore& store, Durability durability);

// Runs `body` in a fresh transaction, retrying at once when it lost a lock
// race (IsLockConflict), a bounded number of times.
absl::Status RunInTransaction(
    KvStore& store, const std::function<absl::Status(KvTransaction&)>& body,
    Durability durability = Durability::kSynced);

}  // namespace scim

#endif  // SCIM_STORAGE_KV_STORE_H_
