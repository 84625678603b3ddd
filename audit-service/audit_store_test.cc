#include "audit-service/audit_store.h"

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace scim::audit {
namespace {

v1::AuditEvent Event(const std::string& id, const std::string& tenant) {
  v1::AuditEvent e;
  e.set_id(id);
  e.set_tenant(tenant);
  e.set_operation("user.create");
  return e;
}

TEST(AuditStoreTest, AppendsPerTenantSequencesIdempotently) {
  auto kv = NewMemoryKvStore(ColumnFamilies());
  AuditStore store(kv.get());
  EXPECT_EQ(*store.Append({Event("1", "a"), Event("2", "b"), Event("3", "a")}),
            3);
  EXPECT_EQ(*store.Append({Event("3", "a"), Event("4", "a")}), 1);
  auto a = store.Tail("a", 10);
  ASSERT_TRUE(a.ok());
  ASSERT_EQ(a->size(), 3u);
  EXPECT_EQ((*a)[0].id(), "1");
  EXPECT_EQ((*a)[2].id(), "4");
  EXPECT_EQ((*a)[2].sequence(), 3u);
  EXPECT_EQ(store.Tail("b", 10)->size(), 1u);
  EXPECT_TRUE(store.Tail("c", 10)->empty());
}

TEST(AuditStoreTest, TailReturnsTheNewestOldestFirst) {
  auto kv = NewMemoryKvStore(ColumnFamilies());
  AuditStore store(kv.get());
  for (int i = 1; i <= 50; ++i) {
    ASSERT_TRUE(store.Append({Event(absl::StrCat("e", i), "t")}).ok());
  }
  auto tail = store.Tail("t", 5);
  ASSERT_EQ(tail->size(), 5u);
  EXPECT_EQ((*tail)[0].id(), "e46");
  EXPECT_EQ((*tail)[4].id(), "e50");
  EXPECT_EQ(store.Tail("t", 500)->size(), 50u);
}

TEST(AuditStoreTest, RejectsEventsWithoutIdOrTenantAtomically) {
  auto kv = NewMemoryKvStore(ColumnFamilies());
  AuditStore store(kv.get());
  auto r = store.Append({Event("ok", "t"), Event("", "t")});
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(store.Tail("t", 10)->empty());  // nothing of the batch landed
}

}  // namespace
}  // namespace scim::audit
