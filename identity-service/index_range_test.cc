// Index key ranges and encodings, against the comparisons they stand for:
// every comparison's range holds exactly the keys of the values it matches,
// on and around its boundary, and instants sort as time does.
#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "identity-service/index_encoding.h"
#include "identity-service/index_range.h"
#include "identity-service/keys.h"
#include "storage/kv_store.h"

namespace scim::identity {
namespace {

using std::string_literals::operator""s;

bool Holds(const KeyRange& range, const std::string& key) {
  return key.rfind(range.prefix, 0) == 0 && key >= range.start &&
         (range.limit.empty() || key < range.limit);
}

bool Compare(CompareOp op, const std::string& a, const std::string& b) {
  switch (op) {
    case CompareOp::kEq: return a == b;
    case CompareOp::kSw: return a.rfind(b, 0) == 0;
    case CompareOp::kGt: return a > b;
    case CompareOp::kGe: return a >= b;
    case CompareOp::kLt: return a < b;
    case CompareOp::kLe: return a <= b;
    default: return false;
  }
}

// Values around the boundaries that escaping makes delicate: the empty
// value, a NUL inside and at the end, 0x01, 0x02 and 0xff after a prefix,
// the greatest UTF-8 character. (No value starts with 0xff: that is the
// entry of no value, kAbsentIndexValue.)
const std::vector<std::string>& Values() {
  static const auto* values = new std::vector<std::string>{
      "", "\0"s, "\x01", "a", "w", "wzzz", "x", "x\0"s, "x\0\0"s, "x\0\x01"s,
      "x\x01", "x\x02", "x\x7f", "x\xff", "xa", "xa\0"s, "xb", "xy", "x/", "y",
      "y\0"s, "\xf4\x8f\xbf\xbf", "\xf4\x8f\xbf\xbf\xf4\x8f\xbf\xbf", "\xfe"};
  return *values;
}

constexpr CompareOp kOps[] = {CompareOp::kEq, CompareOp::kSw, CompareOp::kGt,
                              CompareOp::kGe, CompareOp::kLt, CompareOp::kLe};

std::string Prefix() { return AttributeKeyPrefix("acme", "User", "emails.value"); }

TEST(IndexRangeTest, EachComparisonHoldsExactlyTheKeysItMatches) {
  for (const std::string& bound : Values()) {
    for (CompareOp op : kOps) {
      std::optional<KeyRange> range = RangeFor(Prefix(), op, bound);
      ASSERT_TRUE(range.has_value());
      for (const std::string& value : Values()) {
        const bool want = Compare(op, value, bound);
        // Index keys end in the id; unique keys are the value alone.
        EXPECT_EQ(Holds(*range, IndexKey("acme", "User", "emails.value", value, "0190")),
                  want)
            << CompareOpName(op) << " '" << absl::CEscape(bound) << "' on '"
            << absl::CEscape(value) << "'";
        EXPECT_EQ(Holds(*range, ValueKey("acme", "User", "emails.value", value)), want)
            << CompareOpName(op) << " '" << absl::CEscape(bound) << "' on unique '"
            << absl::CEscape(value) << "'";
      }
      // The entries of no value match no comparison.
      EXPECT_FALSE(Holds(*range, IndexKey("acme", "User", "emails.value",
                                          kAbsentIndexValue, "0190")))
          << CompareOpName(op) << " '" << absl::CEscape(bound) << "'";
      // Other attributes and tenants are outside every range.
      EXPECT_FALSE(Holds(*range, IndexKey("acme", "User", "emails.valuf", bound, "1")));
      EXPECT_FALSE(Holds(*range, IndexKey("acme-2", "User", "emails.value", bound, "1")));
    }
  }
  EXPECT_FALSE(RangeFor(Prefix(), CompareOp::kNe, "x").has_value());
  EXPECT_FALSE(RangeFor(Prefix(), CompareOp::kCo, "x").has_value());
  EXPECT_FALSE(RangeFor(Prefix(), CompareOp::kEw, "x").has_value());
}

TEST(IndexRangeTest, IntersectionHoldsWhatBothHold) {
  const std::vector<std::string> bounds = {"", "w", "x", "x\0"s, "xa", "y"};
  for (const std::string& b1 : bounds) {
    for (CompareOp op1 : kOps) {
      for (const std::string& b2 : bounds) {
        for (CompareOp op2 : kOps) {
          const KeyRange both = Intersect(*RangeFor(Prefix(), op1, b1),
                                          *RangeFor(Prefix(), op2, b2));
          bool any = false;
          for (const std::string& value : Values()) {
            const std::string key = IndexKey("acme", "User", "emails.value", value, "7");
            const bool want = Compare(op1, value, b1) && Compare(op2, value, b2);
            any |= want;
            EXPECT_EQ(Holds(both, key), want)
                << CompareOpName(op1) << " '" << absl::CEscape(b1) << "' and "
                << CompareOpName(op2) << " '" << absl::CEscape(b2) << "' on '"
                << absl::CEscape(value) << "'";
          }
          if (both.Empty()) {
            EXPECT_FALSE(any);
          }
        }
      }
    }
  }
  const KeyRange open = Intersect(*RangeFor(Prefix(), CompareOp::kGt, "a"),
                                  *RangeFor(Prefix(), CompareOp::kGe, "b"));
  EXPECT_TRUE(open.lower);
  EXPECT_FALSE(open.upper);
  const KeyRange closed = Intersect(open, *RangeFor(Prefix(), CompareOp::kLt, "c"));
  EXPECT_TRUE(closed.lower && closed.upper);
}

TEST(IndexRangeTest, IdsInRangeReadsIdsFromKeysOrValues) {
  std::unique_ptr<KvStore> kv = NewMemoryKvStore(ColumnFamilies());
  ASSERT_TRUE(RunInTransaction(*kv, [](KvTransaction& txn) {
                for (const auto& [value, id] : std::vector<std::pair<std::string, std::string>>{
                         {"x", "id-3"}, {"x", "id-1"}, {"x\0"s, "id-2"}, {"xa", "id-4"},
                         {"w", "id-5"}, {kAbsentIndexValue, "id-6"}}) {
                  absl::Status s = txn.Put(kIndexCf,
                                           IndexKey("acme", "User", "emails.value", value, id), "");
                  if (!s.ok()) return s;
                  s = txn.Put(kUniqueCf, ValueKey("acme", "User", "emails.value", value + id), id);
                  if (!s.ok()) return s;
                }
                return absl::OkStatus();
              }).ok());
  struct Case {
    CompareOp op;
    std::string bound;
    std::vector<std::string> index_ids;
  };
  const Case cases[] = {
      {CompareOp::kEq, "x", {"id-1", "id-3"}},
      {CompareOp::kGt, "x", {"id-2", "id-4"}},
      {CompareOp::kGe, "x", {"id-1", "id-2", "id-3", "id-4"}},
      {CompareOp::kLt, "x", {"id-5"}},
      {CompareOp::kLe, "x\0"s, {"id-1", "id-2", "id-3", "id-5"}},
      {CompareOp::kSw, "x", {"id-1", "id-2", "id-3", "id-4"}},
      {CompareOp::kSw, "v", {}},
      // Every value, not the entry of no value.
      {CompareOp::kSw, "", {"id-1", "id-2", "id-3", "id-4", "id-5"}},
      {CompareOp::kGe, "", {"id-1", "id-2", "id-3", "id-4", "id-5"}},
  };
  for (const Case& c : cases) {
    auto ids = IdsInRange(*kv, kIndexCf, *RangeFor(Prefix(), c.op, c.bound),
                          Prefix().size(), /*id_in_value=*/false);
    ASSERT_TRUE(ids.ok()) << ids.status();
    EXPECT_EQ(*ids, c.index_ids) << CompareOpName(c.op) << " " << absl::CEscape(c.bound);
  }
  auto unique = IdsInRange(*kv, kUniqueCf, *RangeFor(Prefix(), CompareOp::kSw, "x"),
                           Prefix().size(), /*id_in_value=*/true);
  ASSERT_TRUE(unique.ok());
  EXPECT_EQ(*unique, (std::vector<std::string>{"id-1", "id-2", "id-3", "id-4"}));
}

TEST(IndexEncodingTest, InstantsSortAsTimeDoes) {
  const absl::Time epoch = absl::UnixEpoch();
  const std::vector<absl::Time> ordered = {
      absl::FromUnixSeconds(-62135596800),  // 0001-01-01
      epoch - absl::Seconds(1) - absl::Nanoseconds(1),
      epoch - absl::Seconds(1),
      epoch - absl::Nanoseconds(1),
      epoch,
      epoch + absl::Nanoseconds(1),
      epoch + absl::Nanoseconds(999999999),
      epoch + absl::Seconds(1),
      absl::FromUnixSeconds(1700000000),
      absl::FromUnixSeconds(1700000000) + absl::Nanoseconds(1),
      absl::FromUnixSeconds(1700000001),
      absl::FromUnixSeconds(253402300799),  // 9999-12-31T23:59:59Z
  };
  std::vector<std::string> encoded;
  for (absl::Time t : ordered) {
    bool exact = false;
    encoded.push_back(EncodeInstant(t, &exact));
    EXPECT_TRUE(exact) << t;
    EXPECT_EQ(encoded.back().size(), 24u);
    // And its escaped key keeps the order (the encoding has no NUL).
    EXPECT_EQ(EscapeKeyComponent(encoded.back()).size(), 26u);
  }
  EXPECT_TRUE(std::is_sorted(encoded.begin(), encoded.end()));
  EXPECT_EQ(std::adjacent_find(encoded.begin(), encoded.end()), encoded.end());
  EXPECT_EQ(EncodeInstant(epoch), "8000000000000000" "00000000");
  // Finer than a nanosecond: rounded toward the past, and said so.
  bool exact = true;
  const absl::Time quarter = epoch - absl::Nanoseconds(1) / 4;
  EXPECT_EQ(EncodeInstant(quarter, &exact), EncodeInstant(epoch - absl::Nanoseconds(1)));
  EXPECT_FALSE(exact);
}

}  // namespace
}  // namespace scim::identity
