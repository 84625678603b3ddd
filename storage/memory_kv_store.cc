// KvStore in memory. Transactions are serialized by one writer lock held from
// begin to end: simpler than key locks and with the same observable
// semantics (atomic, isolated, read-your-writes).
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "storage/kv_store.h"

namespace scim {
namespace {

using Table = std::map<std::string, std::string, std::less<>>;

class MemoryKvStore;

class MemoryTransaction : public KvTransaction {
 public:
  explicit MemoryTransaction(MemoryKvStore* store);
  ~MemoryTransaction() override;

  absl::StatusOr<std::optional<std::string>> GetForUpdate(
      absl::string_view cf, absl::string_view key) override;
  absl::Status Put(absl::string_view cf, absl::string_view key,
                   absl::string_view value) override;
  absl::Status Delete(absl::string_view cf, absl::string_view key) override;
  absl::Status AddToCounter(absl::string_view cf, absl::string_view key,
                            int64_t delta) override;
  absl::Status Scan(absl::string_view cf, absl::string_view prefix,
                    absl::string_view start, const ScanFn& fn) override;
  absl::Status Commit() override;

 private:
  MemoryKvStore* store_;
  bool done_ = false;
  // cf -> key -> value (nullopt = delete), in write order per key.
  std::map<std::string, std::map<std::string, std::optional<std::string>>>
      writes_;
  // cf -> key -> sum of the adds, applied after the writes at commit.
  std::map<std::string, std::map<std::string, int64_t>> adds_;
};

class MemoryKvStore : public KvStore {
 public:
  explicit MemoryKvStore(const std::vector<std::string>& cfs) {
    for (const auto& cf : cfs) tables_[cf];
  }

  absl::StatusOr<std::optional<std::string>> Get(
      absl::string_view cf, absl::string_view key) override {
    absl::ReaderMutexLock lock(&data_mu_);
    auto table = tables_.find(std::string(cf));
    if (table == tables_.end()) return UnknownCf(cf);
    auto it = table->second.find(key);
    if (it == table->second.end()) return std::optional<std::string>();
    return std::optional<std::string>(it->second);
  }

  absl::Status Scan(absl::string_view cf, absl::string_view prefix,
                    absl::string_view start, const ScanFn& fn) override {
    // Copy the range first so that `fn` may call back into the store.
    std::vector<std::pair<std::string, std::string>> rows;
    {
      absl::ReaderMutexLock lock(&data_mu_);
      auto table = tables_.find(std::string(cf));
      if (table == tables_.end()) return UnknownCf(cf);
      absl::string_view seek = start.empty() || start < prefix ? prefix : start;
      for (auto it = table->second.lower_bound(seek);
           it != table->second.end() && absl::StartsWith(it->first, prefix);
           ++it) {
        rows.emplace_back(it->first, it->second);
      }
    }
    for (const auto& [key, value] : rows) {
      if (!fn(key, value)) break;
    }
    return absl::OkStatus();
  }

  absl::Status ScanBackward(absl::string_view cf, absl::string_view prefix,
                            absl::string_view before, const ScanFn& fn) override {
    std::vector<std::pair<std::string, std::string>> rows;
    {
      absl::ReaderMutexLock lock(&data_mu_);
      auto table = tables_.find(std::string(cf));
      if (table == tables_.end()) return UnknownCf(cf);
      // Start below the first key past the range: `before` or the prefix's
      // successor, whichever comes first.
      std::string bound = PrefixSuccessor(prefix);
      if (!before.empty() && (bound.empty() || before < bound)) {
        bound = std::string(before);
      }
      auto it = bound.empty() ? table->second.end() : table->second.lower_bound(bound);
      while (it != table->second.begin()) {
        --it;
        if (!absl::StartsWith(it->first, prefix)) break;
        rows.emplace_back(it->first, it->second);
      }
    }
    for (const auto& [key, value] : rows) {
      if (!fn(key, value)) break;
    }
    return absl::OkStatus();
  }

  std::unique_ptr<KvTransaction> BeginTransaction() override {
    return std::make_unique<MemoryTransaction>(this);
  }

  absl::Status IngestSorted(absl::string_view cf,
                            const std::vector<std::pair<std::string, std::string>>& rows) override {
    for (size_t i = 1; i < rows.size(); ++i) {
      if (!(rows[i - 1].first < rows[i].first)) {
        return absl::InvalidArgumentError("IngestSorted: keys must be sorted and distinct");
      }
    }
    absl::MutexLock writer(&writer_mu_);
    absl::MutexLock lock(&data_mu_);
    auto table = tables_.find(std::string(cf));
    if (table == tables_.end()) return UnknownCf(cf);
    for (const auto& [key, value] : rows) table->second[key] = value;
    return absl::OkStatus();
  }

  absl::Status DeleteRange(absl::string_view cf, absl::string_view begin,
                           absl::string_view end) override {
    absl::MutexLock writer(&writer_mu_);
    absl::MutexLock lock(&data_mu_);
    auto table = tables_.find(std::string(cf));
    if (table == tables_.end()) return UnknownCf(cf);
    auto first = table->second.lower_bound(std::string(begin));
    auto last = table->second.lower_bound(std::string(end));
    if (first != table->second.end() && (last == table->second.end() || first->first < last->first)) {
      table->second.erase(first, last);
    }
    return absl::OkStatus();
  }

  static absl::Status UnknownCf(absl::string_view cf) {
    return absl::InvalidArgumentError(absl::StrCat("unknown column family ", cf));
  }

  bool HasCf(absl::string_view cf) {
    return tables_.count(std::string(cf)) > 0;
  }

  absl::Mutex writer_mu_;
  absl::Mutex data_mu_;
  std::map<std::string, Table> tables_ ABSL_GUARDED_BY(data_mu_);
};

MemoryTransaction::MemoryTransaction(MemoryKvStore* store) : store_(store) {
  store_->writer_mu_.Lock();
}

MemoryTransaction::~MemoryTransaction() { store_->writer_mu_.Unlock(); }

absl::StatusOr<std::optional<std::string>> MemoryTransaction::GetForUpdate(
    absl::string_view cf, absl::string_view key) {
  auto cf_writes = writes_.find(std::string(cf));
  if (cf_writes != writes_.end()) {
    auto it = cf_writes->second.find(std::string(key));
    if (it != cf_writes->second.end()) return it->second;
  }
  return store_->Get(cf, key);
}

absl::Status MemoryTransaction::Put(absl::string_view cf,
                                    absl::string_view key,
                                    absl::string_view value) {
  if (!store_->HasCf(cf)) return MemoryKvStore::UnknownCf(cf);
  writes_[std::string(cf)][std::string(key)] = std::string(value);
  return absl::OkStatus();
}

absl::Status MemoryTransaction::Delete(absl::string_view cf,
                                       absl::string_view key) {
  if (!store_->HasCf(cf)) return MemoryKvStore::UnknownCf(cf);
  writes_[std::string(cf)][std::string(key)] = std::nullopt;
  return absl::OkStatus();
}

absl::Status MemoryTransaction::AddToCounter(absl::string_view cf,
                                             absl::string_view key, int64_t delta) {
  if (!store_->HasCf(cf)) return MemoryKvStore::UnknownCf(cf);
  adds_[std::string(cf)][std::string(key)] += delta;
  return absl::OkStatus();
}

absl::Status MemoryTransaction::Scan(absl::string_view cf,
                                     absl::string_view prefix,
                                     absl::string_view start,
                                     const ScanFn& fn) {
  // The committed rows in range, then this transaction's writes over them.
  Table rows;
  absl::Status committed = store_->Scan(
      cf, prefix, start, [&](absl::string_view key, absl::string_view value) {
        rows.emplace(std::string(key), std::string(value));
        return true;
      });
  if (!committed.ok()) return committed;
  auto cf_writes = writes_.find(std::string(cf));
  if (cf_writes != writes_.end()) {
    absl::string_view seek = start.empty() || start < prefix ? prefix : start;
    for (auto it = cf_writes->second.lower_bound(std::string(seek));
         it != cf_writes->second.end() && absl::StartsWith(it->first, prefix);
         ++it) {
      if (it->second.has_value()) {
        rows[it->first] = *it->second;
      } else {
        rows.erase(it->first);
      }
    }
  }
  for (const auto& [key, value] : rows) {
    if (!fn(key, value)) break;
  }
  return absl::OkStatus();
}

absl::Status MemoryTransaction::Commit() {
  if (done_) return absl::FailedPreconditionError("transaction already ended");
  done_ = true;
  absl::MutexLock lock(&store_->data_mu_);
  for (auto& [cf, rows] : writes_) {
    Table& table = store_->tables_[cf];
    for (auto& [key, value] : rows) {
      if (value.has_value()) {
        table[key] = std::move(*value);
      } else {
        table.erase(key);
      }
    }
  }
  for (auto& [cf, counters] : adds_) {
    Table& table = store_->tables_[cf];
    for (auto& [key, delta] : counters) {
      int64_t value = 0;
      auto it = table.find(key);
      if (it != table.end()) {
        auto decoded = DecodeCounter(it->second);
        if (!decoded.ok()) return decoded.status();
        value = *decoded;
      }
      table[key] = EncodeCounter(value + delta);
    }
  }
  writes_.clear();
  adds_.clear();
  return absl::OkStatus();
}

}  // namespace

std::unique_ptr<KvStore> NewMemoryKvStore(
    const std::vector<std::string>& column_families) {
  return std::make_unique<MemoryKvStore>(column_families);
}

}  // namespace scim
