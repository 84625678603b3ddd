// KvStore over a RocksDB TransactionDB: pessimistic key locks for the checks
// made inside a write, synced WAL on commit (concurrent commits share one
// fsync: RocksDB's group commit).
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "rocksdb/cache.h"
#include "rocksdb/db.h"
#include "rocksdb/filter_policy.h"
#include "rocksdb/sst_file_writer.h"
#include "rocksdb/merge_operator.h"
#include "rocksdb/table.h"
#include "rocksdb/utilities/checkpoint.h"
#include "rocksdb/utilities/transaction.h"
#include "rocksdb/utilities/transaction_db.h"
#include "rocksdb/utilities/write_batch_with_index.h"
#include "rocksdb/write_batch.h"
#include "storage/kv_store.h"

namespace scim {
namespace {

rocksdb::Slice ToSlice(absl::string_view s) {
  return rocksdb::Slice(s.data(), s.size());
}

absl::Status FromRocks(const rocksdb::Status& s) {
  if (s.ok()) return absl::OkStatus();
  if (s.IsBusy() || s.IsTimedOut() || s.IsTryAgain() || s.IsDeadlock()) {
    return LockConflictError(s.ToString());
  }
  return absl::InternalError(absl::StrCat("storage: ", s.ToString()));
}

// Walks `it` over the keys with `prefix` from `start` (KvStore::Scan).
absl::Status ScanIterator(rocksdb::Iterator& it, absl::string_view prefix,
                          absl::string_view start, const ScanFn& fn) {
  absl::string_view seek = start.empty() || start < prefix ? prefix : start;
  for (it.Seek(ToSlice(seek)); it.Valid(); it.Next()) {
    absl::string_view key(it.key().data(), it.key().size());
    if (!absl::StartsWith(key, prefix)) break;
    if (!fn(key, absl::string_view(it.value().data(), it.value().size()))) {
      break;
    }
  }
  return FromRocks(it.status());
}

// Visits the keys with `prefix` below `before` in descending order
// (KvStore::ScanBackward).
absl::Status ScanIteratorBackward(rocksdb::Iterator& it, absl::string_view prefix,
                                  absl::string_view before, const ScanFn& fn) {
  // The first key past the range: `before`, or the prefix's successor,
  // whichever comes first.
  if (!before.empty() && before <= prefix) return absl::OkStatus();
  std::string end = PrefixSuccessor(prefix);
  if (!before.empty() && (end.empty() || before < end)) end = std::string(before);
  if (end.empty()) {
    it.SeekToLast();
  } else {
    it.Seek(ToSlice(end));
    if (it.Valid()) {
      it.Prev();
    } else if (it.status().ok()) {
      it.SeekToLast();
    }
  }
  for (; it.Valid(); it.Prev()) {
    absl::string_view key(it.key().data(), it.key().size());
    if (!absl::StartsWith(key, prefix)) break;
    if (!fn(key, absl::string_view(it.value().data(), it.value().size()))) {
      break;
    }
  }
  return FromRocks(it.status());
}

// Sums counters (KvTransaction::AddToCounter) as RocksDB merges them, so
// that adding to one never takes a lock.
class CounterMergeOperator : public rocksdb::AssociativeMergeOperator {
 public:
  bool Merge(const rocksdb::Slice&, const rocksdb::Slice* existing,
             const rocksdb::Slice& value, std::string* new_value,
             rocksdb::Logger*) const override {
    int64_t sum = 0;
    if (existing != nullptr) {
      auto before = DecodeCounter(absl::string_view(existing->data(), existing->size()));
      if (!before.ok()) return false;
      sum = *before;
    }
    auto delta = DecodeCounter(absl::string_view(value.data(), value.size()));
    if (!delta.ok()) return false;
    *new_value = EncodeCounter(sum + *delta);
    return true;
  }
  const char* Name() const override { return "scim.CounterAdd"; }
};

class RocksDbKvStore;

class RocksDbTransaction : public KvTransaction {
 public:
  RocksDbTransaction(RocksDbKvStore* store, rocksdb::Transaction* txn)
      : store_(store), txn_(txn) {}

  absl::StatusOr<std::optional<std::string>> GetForUpdate(
      absl::string_view cf, absl::string_view key) override;
  absl::Status Put(absl::string_view cf, absl::string_view key,
                   absl::string_view value) override;
  absl::Status Delete(absl::string_view cf, absl::string_view key) override;
  absl::Status AddToCounter(absl::string_view cf, absl::string_view key,
                            int64_t delta) override;
  absl::Status Scan(absl::string_view cf, absl::string_view prefix,
                    absl::string_view start, const ScanFn& fn) override;
  absl::Status Commit() override { return FromRocks(txn_->Commit()); }

 private:
  RocksDbKvStore* store_;
  std::unique_ptr<rocksdb::Transaction> txn_;
};

class RocksDbKvStore : public KvStore {
 public:
  RocksDbKvStore(rocksdb::TransactionDB* db,
                 std::vector<rocksdb::ColumnFamilyHandle*> handles,
                 const std::vector<std::string>& names)
      : db_(db), handles_(std::move(handles)) {
    for (auto* h : handles_) by_name_[h->GetName()] = h;
    (void)names;
  }

  ~RocksDbKvStore() override {
    for (auto* h : handles_) db_->DestroyColumnFamilyHandle(h);
    db_->Close();
    delete db_;
  }

  absl::StatusOr<rocksdb::ColumnFamilyHandle*> Cf(absl::string_view name) {
    auto it = by_name_.find(name);
    if (it == by_name_.end()) {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown column family ", name));
    }
    return it->second;
  }

  absl::StatusOr<std::optional<std::string>> Get(
      absl::string_view cf, absl::string_view key) override {
    auto handle = Cf(cf);
    if (!handle.ok()) return handle.status();
    std::string value;
    rocksdb::Status s =
        db_->Get(rocksdb::ReadOptions(), *handle, ToSlice(key), &value);
    if (s.IsNotFound()) return std::optional<std::string>();
    if (!s.ok()) return FromRocks(s);
    return std::optional<std::string>(std::move(value));
  }

  absl::Status Scan(absl::string_view cf, absl::string_view prefix,
                    absl::string_view start, const ScanFn& fn) override {
    auto handle = Cf(cf);
    if (!handle.ok()) return handle.status();
    std::unique_ptr<rocksdb::Iterator> it(
        db_->NewIterator(rocksdb::ReadOptions(), *handle));
    return ScanIterator(*it, prefix, start, fn);
  }

  absl::Status ScanBackward(absl::string_view cf, absl::string_view prefix,
                            absl::string_view before, const ScanFn& fn) override {
    auto handle = Cf(cf);
    if (!handle.ok()) return handle.status();
    std::unique_ptr<rocksdb::Iterator> it(
        db_->NewIterator(rocksdb::ReadOptions(), *handle));
    return ScanIteratorBackward(*it, prefix, before, fn);
  }

  std::vector<std::pair<std::string, double>> Stats() override {
    std::vector<std::pair<std::string, double>> out;
    const std::pair<const char*, const char*> properties[] = {
        {"live_data_bytes", "rocksdb.estimate-live-data-size"},
        {"pending_compaction_bytes", "rocksdb.estimate-pending-compaction-bytes"},
        {"memtable_bytes", "rocksdb.cur-size-all-mem-tables"},
        {"write_stopped", "rocksdb.is-write-stopped"},
        {"delayed_write_rate", "rocksdb.actual-delayed-write-rate"},
    };
    for (const auto& [name, property] : properties) {
      uint64_t value = 0;
      if (db_->GetAggregatedIntProperty(property, &value)) {
        out.emplace_back(name, static_cast<double>(value));
      }
    }
    return out;
  }

  absl::Status IngestSorted(absl::string_view cf,
                            const std::vector<std::pair<std::string, std::string>>& rows) override {
    auto handle = Cf(cf);
    if (!handle.ok()) return handle.status();
    if (rows.empty()) return absl::OkStatus();
    // Written beside the database, then moved into it by the ingestion.
    static std::atomic<uint64_t> counter{0};
    const std::string file = absl::StrCat(db_->GetName(), "/ingest-", ::getpid(), "-",
                                          counter.fetch_add(1), ".sst.tmp");
    rocksdb::Options options(db_->GetDBOptions(), db_->GetOptions(*handle));
    rocksdb::SstFileWriter writer(rocksdb::EnvOptions(), options, *handle);
    rocksdb::Status s = writer.Open(file);
    for (size_t i = 0; s.ok() && i < rows.size(); ++i) {
      s = writer.Put(ToSlice(rows[i].first), ToSlice(rows[i].second));
    }
    if (s.ok()) s = writer.Finish();
    if (s.ok()) {
      rocksdb::IngestExternalFileOptions ingest;
      ingest.move_files = true;
      s = db_->IngestExternalFile(*handle, {file}, ingest);
    }
    std::error_code ec;
    std::filesystem::remove(file, ec);
    if (!s.ok()) {
      return s.IsInvalidArgument() ? absl::InvalidArgumentError(absl::StrCat("IngestSorted: ", s.ToString()))
                                   : FromRocks(s);
    }
    return absl::OkStatus();
  }

  absl::Status DeleteRange(absl::string_view cf, absl::string_view begin,
                           absl::string_view end) override {
    auto handle = Cf(cf);
    if (!handle.ok()) return handle.status();
    rocksdb::WriteOptions sync;
    sync.sync = true;
    rocksdb::Status s =
        db_->GetRootDB()->DeleteRange(sync, *handle, ToSlice(begin), ToSlice(end));
    if (s.ok()) {
      const rocksdb::Slice from = ToSlice(begin), to = ToSlice(end);
      s = db_->CompactRange(rocksdb::CompactRangeOptions(), *handle, &from, &to);
    }
    return FromRocks(s);
  }

  absl::Status Compact(absl::string_view cf, absl::string_view begin,
                       absl::string_view end) override {
    auto handle = Cf(cf);
    if (!handle.ok()) return handle.status();
    rocksdb::CompactRangeOptions options;
    // Down to the last level too: a deletion marker goes only once nothing
    // older of its key is below it.
    options.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForceOptimized;
    options.exclusive_manual_compaction = false;
    const rocksdb::Slice from = ToSlice(begin), to = ToSlice(end);
    return FromRocks(db_->CompactRange(options, *handle, &from, end.empty() ? nullptr : &to));
  }

  absl::Status CreateCheckpoint(const std::string& dir) override {
    rocksdb::Checkpoint* raw = nullptr;
    rocksdb::Status s = rocksdb::Checkpoint::Create(db_, &raw);
    std::unique_ptr<rocksdb::Checkpoint> checkpoint(raw);
    // Flushing the memtables first leaves no WAL to copy or replay.
    if (s.ok()) s = checkpoint->CreateCheckpoint(dir, /*log_size_for_flush=*/0);
    if (!s.ok()) {
      return absl::UnavailableError(
          absl::StrCat("cannot write a checkpoint to ", dir, ": ", s.ToString()));
    }
    return absl::OkStatus();
  }

  std::unique_ptr<KvTransaction> BeginTransaction() override { return Begin(/*sync=*/true); }
  // Written to the WAL (so in the page cache: a killed process loses
  // nothing) without the fsync; RocksDB's next synced write syncs the WAL
  // up to and including it.
  std::unique_ptr<KvTransaction> BeginUnsyncedTransaction() override {
    return Begin(/*sync=*/false);
  }

 private:
  std::unique_ptr<KvTransaction> Begin(bool sync) {
    rocksdb::WriteOptions write_options;
    write_options.sync = sync;
    return std::make_unique<RocksDbTransaction>(this, db_->BeginTransaction(write_options));
  }

  rocksdb::TransactionDB* db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  std::map<std::string, rocksdb::ColumnFamilyHandle*, std::less<>> by_name_;
};

absl::StatusOr<std::optional<std::string>> RocksDbTransaction::GetForUpdate(
    absl::string_view cf, absl::string_view key) {
  auto handle = store_->Cf(cf);
  if (!handle.ok()) return handle.status();
  std::string value;
  rocksdb::Status s = txn_->GetForUpdate(rocksdb::ReadOptions(), *handle,
                                         ToSlice(key), &value);
  if (s.IsNotFound()) return std::optional<std::string>();
  if (!s.ok()) return FromRocks(s);
  return std::optional<std::string>(std::move(value));
}

absl::Status RocksDbTransaction::Put(absl::string_view cf,
                                     absl::string_view key,
                                     absl::string_view value) {
  auto handle = store_->Cf(cf);
  if (!handle.ok()) return handle.status();
  return FromRocks(txn_->Put(*handle, ToSlice(key), ToSlice(value)));
}

absl::Status RocksDbTransaction::Delete(absl::string_view cf,
                                        absl::string_view key) {
  auto handle = store_->Cf(cf);
  if (!handle.ok()) return handle.status();
  return FromRocks(txn_->Delete(*handle, ToSlice(key)));
}

absl::Status RocksDbTransaction::AddToCounter(absl::string_view cf,
                                             absl::string_view key, int64_t delta) {
  auto handle = store_->Cf(cf);
  if (!handle.ok()) return handle.status();
  // Straight into the transaction's write batch, so it commits (or not)
  // with the rest, but takes no key lock: Transaction::MergeUntracked still
  // locks the key until commit, which queued every concurrent create behind
  // the tenant's total counter and its synced commit (creates/s halved).
  // Merges are commutative, so no lock is needed; bypassing the batch's
  // index only hides the add from this transaction's own reads, as
  // KvTransaction::AddToCounter allows.
  return FromRocks(txn_->GetWriteBatch()->GetWriteBatch()->Merge(
      *handle, ToSlice(key), ToSlice(EncodeCounter(delta))));
}

absl::Status RocksDbTransaction::Scan(absl::string_view cf,
                                      absl::string_view prefix,
                                      absl::string_view start,
                                      const ScanFn& fn) {
  auto handle = store_->Cf(cf);
  if (!handle.ok()) return handle.status();
  // The transaction's iterator is the database's overlaid with the
  // transaction's write batch (WriteBatchWithIndex::NewIteratorWithBase).
  std::unique_ptr<rocksdb::Iterator> it(
      txn_->GetIterator(rocksdb::ReadOptions(), *handle));
  return ScanIterator(*it, prefix, start, fn);
}

}  // namespace

namespace {

// In the default column family, which no service uses: "<service> <version>".
constexpr char kDataFormatKey[] = "scim-data-format";

// Records `format` in a new database, or checks an existing one's.
absl::Status CheckDataFormat(rocksdb::DB* db, const std::string& path, bool existed,
                             const DataFormat& format) {
  if (format.version == 0) return absl::OkStatus();
  std::string stored;
  rocksdb::Status s = db->Get(rocksdb::ReadOptions(), kDataFormatKey, &stored);
  if (s.IsNotFound()) {
    // Written before formats were recorded: that layout is version 1.
    const int version = existed ? 1 : format.version;
    if (version == format.version) {
      rocksdb::WriteOptions sync;
      sync.sync = true;
      s = db->Put(sync, kDataFormatKey, absl::StrCat(format.service, " ", version));
      if (!s.ok()) return absl::UnavailableError(s.ToString());
      return absl::OkStatus();
    }
    stored = absl::StrCat(format.service, " ", version);
  } else if (!s.ok()) {
    return absl::UnavailableError(absl::StrCat("cannot read ", path, ": ", s.ToString()));
  }
  std::vector<std::string> parts = absl::StrSplit(stored, ' ');
  int version = 0;
  if (parts.size() != 2 || !absl::SimpleAtoi(parts[1], &version)) {
    return absl::FailedPreconditionError(
        absl::StrCat(path, " records an unreadable data format \"", stored, "\""));
  }
  if (parts[0] != format.service) {
    return absl::FailedPreconditionError(
        absl::StrCat(path, " holds ", parts[0], "-service's data, not ", format.service,
                     "-service's: check --data_dir"));
  }
  if (version > format.version) {
    return absl::FailedPreconditionError(absl::StrCat(
        path, " is in data format ", version, ", written by a newer release; this binary reads "
        "format ", format.version, ". Run the newer release, or restore a backup taken "
        "before the upgrade (README: Upgrading)"));
  }
  if (version < format.version) {
    return absl::FailedPreconditionError(absl::StrCat(
        path, " is in data format ", version, "; this release needs format ", format.version,
        " and has no migration from it. Upgrade through the release in between "
        "(README: Upgrading)"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<KvStore>> OpenRocksDbKvStore(
    const std::string& path, const std::vector<std::string>& column_families,
    const RocksDbKvStoreOptions& store_options) {
  // RocksDB creates only the last path component; a fresh --data_dir has none.
  std::error_code ec;
  const bool existed = std::filesystem::exists(path + "/CURRENT", ec);
  std::filesystem::create_directories(path, ec);
  rocksdb::Options options;
  options.create_if_missing = true;
  options.create_missing_column_families = true;
  options.IncreaseParallelism(2);
  // Bounds the WAL a restart replays: past this, the column families that
  // hold the oldest log's data are flushed so it can go. Without it, nine
  // column families' memtables let hundreds of MB of log pile up, and a
  // start-up spent seconds replaying them.
  options.max_total_wal_size = 64 << 20;
  // Point lookups (get by id, `eq` on unique and index keys) must not cost
  // more as a tenant grows: bloom filters skip SST files that lack the key,
  // and one shared block cache keeps hot index and data blocks in memory.
  rocksdb::BlockBasedTableOptions table;
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  // Half the cache is kept for index and filter blocks.
  table.block_cache = rocksdb::NewLRUCache(128 << 20, /*num_shard_bits=*/-1,
                                           /*strict_capacity_limit=*/false,
                                           /*high_pri_pool_ratio=*/0.5);
  table.cache_index_and_filter_blocks = true;
  table.cache_index_and_filter_blocks_with_high_priority = true;
  table.pin_l0_filter_and_index_blocks_in_cache = true;
  // Partitioned index and filters: a large SST's single index block (MBs
  // at a million users) is bigger than a cache shard, so it was never kept
  // and every point read re-read and decompressed it (a random get cost
  // ~1 ms). Partitions are small blocks that stay cached; the top level is
  // pinned.
  table.index_type = rocksdb::BlockBasedTableOptions::kTwoLevelIndexSearch;
  table.partition_filters = true;
  table.metadata_block_size = 4096;
  table.pin_top_level_index_and_filter = true;
  // Counters are rewritten by every write, and a memtable keeps every
  // version of a key until it flushes: a scan of counters (a startIndex
  // page reads up to a few hundred) stepped over thousands of superseded
  // versions after an import, and re-seeked past each key. 1 MB memtables
  // flush after about 2 500 creates' counts; an SST keeps one version.
  constexpr size_t kCounterMemtableBytes = 1 << 20;
  rocksdb::ColumnFamilyOptions cf_options;
  cf_options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  // Only keys written by AddToCounter ever hold merge records.
  cf_options.merge_operator = std::make_shared<CounterMergeOperator>();
  // Collapses a counter's adds in the memtable once it holds this many:
  // otherwise every read of a hot counter (a tenant's total) sums every add
  // since the last flush, thousands after an import.
  cf_options.max_successive_merges = 4;
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  descriptors.emplace_back(rocksdb::kDefaultColumnFamilyName, cf_options);
  for (const auto& name : column_families) {
    descriptors.emplace_back(name, cf_options);
    if (std::find(store_options.counter_column_families.begin(),
                  store_options.counter_column_families.end(),
                  name) != store_options.counter_column_families.end()) {
      descriptors.back().options.write_buffer_size = kCounterMemtableBytes;
    }
  }
  rocksdb::TransactionDBOptions txn_options;
  // A writer waiting longer than this for a key lock gets ABORTED and retries.
  txn_options.transaction_lock_timeout = store_options.lock_timeout_ms;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::TransactionDB* db = nullptr;
  rocksdb::Status s = rocksdb::TransactionDB::Open(
      options, txn_options, path, descriptors, &handles, &db);
  if (!s.ok()) {
    return absl::UnavailableError(
        absl::StrCat("cannot open RocksDB at ", path, ": ", s.ToString()));
  }
  auto store = std::unique_ptr<KvStore>(
      new RocksDbKvStore(db, std::move(handles), column_families));
  if (absl::Status format = CheckDataFormat(db, path, existed, store_options.format);
      !format.ok()) {
    return format;
  }
  return store;
}

namespace {

// Says nothing: a verification must not add a LOG file to the copy it reads.
class SilentLogger : public rocksdb::Logger {
 public:
  using rocksdb::Logger::Logv;
  void Logv(const char*, va_list) override {}
};

}  // namespace

absl::StatusOr<std::string> VerifyRocksDbCopy(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path + "/CURRENT", ec)) {
    return absl::NotFoundError(absl::StrCat(path, " holds no RocksDB store"));
  }
  rocksdb::Options options;
  options.info_log = std::make_shared<SilentLogger>();
  std::vector<std::string> names;
  rocksdb::Status s = rocksdb::DB::ListColumnFamilies(options, path, &names);
  if (!s.ok()) {
    return absl::DataLossError(absl::StrCat(path, ": ", s.ToString()));
  }
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  rocksdb::ColumnFamilyOptions cf_options;
  // Counter keys hold merge records; reading them needs the operator.
  cf_options.merge_operator = std::make_shared<CounterMergeOperator>();
  for (const auto& name : names) descriptors.emplace_back(name, cf_options);
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  s = rocksdb::DB::OpenForReadOnly(options, path, descriptors, &handles, &raw);
  if (!s.ok()) {
    return absl::DataLossError(absl::StrCat("cannot open ", path, ": ", s.ToString()));
  }
  std::unique_ptr<rocksdb::DB> db(raw);
  std::string format;
  s = db->VerifyChecksum();
  if (s.ok()) {
    rocksdb::Status got = db->Get(rocksdb::ReadOptions(), kDataFormatKey, &format);
    if (!got.ok() && !got.IsNotFound()) s = got;
  }
  for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
  db->Close();
  if (!s.ok()) {
    return absl::DataLossError(absl::StrCat(path, " is damaged: ", s.ToString()));
  }
  return format;
}

}  // namespace scim
