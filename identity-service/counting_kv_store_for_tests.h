// Tests only: a KvStore that counts what reads cost, per column family
// (point reads, scans started, keys visited), and the transactions begun,
// so that tests check structurally that a read costs O(page) and reads only
// what it returns.
#ifndef SCIM_IDENTITY_SERVICE_COUNTING_KV_STORE_FOR_TESTS_H_
#define SCIM_IDENTITY_SERVICE_COUNTING_KV_STORE_FOR_TESTS_H_

#include <map>
#include <memory>
#include <optional>
#include <string>

#include "absl/synchronization/mutex.h"
#include "storage/forwarding_kv_store.h"

namespace scim::identity {

class CountingKvStore : public ForwardingKvStore {
 public:
  explicit CountingKvStore(KvStore* inner) : ForwardingKvStore(inner) {}

  absl::StatusOr<std::optional<std::string>> Get(absl::string_view cf,
                                                 absl::string_view key) override {
    Add(&gets_, cf);
    return ForwardingKvStore::Get(cf, key);
  }
  absl::Status Scan(absl::string_view cf, absl::string_view prefix,
                    absl::string_view start, const ScanFn& fn) override {
    Add(&scans_, cf);
    return ForwardingKvStore::Scan(cf, prefix, start,
                                   [&](absl::string_view key, absl::string_view value) {
                                     Add(&visited_, cf);
                                     return fn(key, value);
                                   });
  }
  absl::Status ScanBackward(absl::string_view cf, absl::string_view prefix,
                            absl::string_view before, const ScanFn& fn) override {
    Add(&scans_, cf);
    return ForwardingKvStore::ScanBackward(cf, prefix, before,
                                           [&](absl::string_view key, absl::string_view value) {
                                             Add(&visited_, cf);
                                             return fn(key, value);
                                           });
  }
  std::unique_ptr<KvTransaction> BeginTransaction() override {
    {
      absl::MutexLock lock(&mu_);
      ++transactions_;
    }
    return ForwardingKvStore::BeginTransaction();
  }
  std::unique_ptr<KvTransaction> BeginUnsyncedTransaction() override {
    {
      absl::MutexLock lock(&mu_);
      ++transactions_;
    }
    return ForwardingKvStore::BeginUnsyncedTransaction();
  }

  int gets(absl::string_view cf) { return Read(gets_, cf); }
  int scans(absl::string_view cf) { return Read(scans_, cf); }
  int visited(absl::string_view cf) { return Read(visited_, cf); }
  int transactions() {
    absl::MutexLock lock(&mu_);
    return transactions_;
  }
  void Reset() {
    absl::MutexLock lock(&mu_);
    gets_.clear();
    scans_.clear();
    visited_.clear();
    transactions_ = 0;
  }

 private:
  void Add(std::map<std::string, int, std::less<>>* counts, absl::string_view cf) {
    absl::MutexLock lock(&mu_);
    ++(*counts)[std::string(cf)];
  }
  int Read(const std::map<std::string, int, std::less<>>& counts, absl::string_view cf) {
    absl::MutexLock lock(&mu_);
    auto it = counts.find(cf);
    return it == counts.end() ? 0 : it->second;
  }

  absl::Mutex mu_;
  std::map<std::string, int, std::less<>> gets_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, int, std::less<>> scans_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, int, std::less<>> visited_ ABSL_GUARDED_BY(mu_);
  int transactions_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace scim::identity

#endif  // SCIM_IDENTITY_SERVICE_COUNTING_KV_STORE_FOR_TESTS_H_
