// Test-only: runs a store's tests over every KvStore implementation.
//
// A store test suite takes the implementation's name as its parameter and
// opens a TestKvStore with it:
//
//   class FooStoreTest : public ::testing::TestWithParam<std::string> {
//    protected:
//     void SetUp() override {
//       ASSERT_TRUE(kv_.Open(GetParam(), FooColumnFamilies()).ok());
//     }
//     TestKvStore kv_;  // declared before whatever uses it
//   };
//   INSTANTIATE_TEST_SUITE_P(AllStores, FooStoreTest, AllKvStores(),
//                            KvStoreName);
#ifndef SCIM_STORAGE_KV_STORE_TEST_PARAMS_H_
#define SCIM_STORAGE_KV_STORE_TEST_PARAMS_H_

#include <stdlib.h>

#include <cctype>
#include <filesystem>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "gtest/gtest.h"
#include "storage/kv_store.h"

namespace scim {

inline constexpr char kMemoryKvStore[] = "Memory";
inline constexpr char kRocksDbKvStore[] = "RocksDb";

// The parameter values of a store test suite: one per implementation.
inline auto AllKvStores() {
  return ::testing::Values(std::string(kMemoryKvStore),
                           std::string(kRocksDbKvStore));
}

// Names each instantiated test after its implementation ("Foo/RocksDb").
inline std::string KvStoreName(
    const ::testing::TestParamInfo<std::string>& info) {
  return info.param;
}

// A fresh, empty KvStore of the named implementation. RocksDB lives in a new
// temporary directory of its own, which goes when this object does; declare
// it before the members that use the store, so that they go first.
class TestKvStore {
 public:
  TestKvStore() = default;
  TestKvStore(const TestKvStore&) = delete;
  TestKvStore& operator=(const TestKvStore&) = delete;
  ~TestKvStore() { Close(); }

  // Opens `implementation` (kMemoryKvStore or kRocksDbKvStore) with the given
  // column families.
  absl::Status Open(absl::string_view implementation,
                    const std::vector<std::string>& column_families) {
    Close();
    if (implementation == kMemoryKvStore) {
      kv_ = NewMemoryKvStore(column_families);
      return absl::OkStatus();
    }
    if (implementation != kRocksDbKvStore) {
      return absl::InvalidArgumentError(
          absl::StrCat("no KvStore implementation named ", implementation));
    }
    // mkdtemp makes the directory afresh, so no other test (or an earlier
    // run's leftovers) can share it.
    std::string path =
        (std::filesystem::temp_directory_path() /
         absl::StrCat("kvstore_", CurrentTestName(), "_XXXXXX"))
            .string();
    if (mkdtemp(path.data()) == nullptr) {
      return absl::InternalError(absl::StrCat("mkdtemp ", path, " failed"));
    }
    dir_ = path;
    auto kv = OpenRocksDbKvStore(dir_, column_families);
    if (!kv.ok()) return kv.status();
    kv_ = std::move(*kv);
    return absl::OkStatus();
  }

  // Closes the store and removes its directory, if it has one.
  void Close() {
    kv_.reset();
    if (!dir_.empty()) {
      std::error_code ignored;
      std::filesystem::remove_all(dir_, ignored);
      dir_.clear();
    }
  }

  KvStore* get() const { return kv_.get(); }
  KvStore* operator->() const { return kv_.get(); }
  KvStore& operator*() const { return *kv_; }
  // Where RocksDB keeps its files; empty in memory.
  const std::string& dir() const { return dir_; }

 private:
  // "Suite_Test_Param" of the running test, as a file name.
  static std::string CurrentTestName() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    std::string name =
        info == nullptr ? "none"
                        : absl::StrCat(info->test_suite_name(), "_", info->name());
    for (char& c : name) {
      if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
    }
    return name;
  }

  std::string dir_;
  std::unique_ptr<KvStore> kv_;
};

}  // namespace scim

#endif  // SCIM_STORAGE_KV_STORE_TEST_PARAMS_H_
