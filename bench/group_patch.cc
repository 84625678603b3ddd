// W6: the time of a PATCH adding 100 members to a group of 1 k, 10 k and
// 100 k members, through ResourceStore over RocksDB (the same transaction,
// edges, audit event and fsync as the API). Membership is stored as edges,
// so the time must stay flat as the group grows.
//
//   bench_group_patch --db_root=/tmp/w6 --sizes=1000,10000,100000 --rounds=20
#include <algorithm>
#include <filesystem>
#include <iostream>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "clients/audit/outbox.h"
#include "common/clock.h"
#include "common/random.h"
#include "common/status.h"
#include "identity-service/keys.h"
#include "identity-service/resource_store.h"

ABSL_FLAG(std::string, db_root, "/tmp/scim_w6", "directory for the databases");
ABSL_FLAG(std::string, sizes, "1000,10000,100000", "group sizes");
ABSL_FLAG(int, rounds, 20, "timed PATCHes per size");

namespace scim::identity {
namespace {

constexpr int kPerPatch = 100;

// Users written raw in big transactions: seeding is not what is measured.
absl::Status SeedUsers(KvStore& kv, int n, std::vector<std::string>* ids) {
  for (int start = 0; start < n; start += 10000) {
    RETURN_IF_ERROR(RunInTransaction(kv, [&](KvTransaction& txn) {
      for (int i = start; i < std::min(n, start + 10000); ++i) {
        v1::User u;
        u.set_id(absl::StrFormat("00000000-0000-7000-8000-%012d", i));
        u.set_user_name(absl::StrCat("user", i));
        RETURN_IF_ERROR(txn.Put(kResourcesCf, ResourceKey("bench", "User", u.id()),
                                u.SerializeAsString()));
      }
      return absl::OkStatus();
    }));
  }
  for (int i = 0; i < n; ++i) ids->push_back(absl::StrFormat("00000000-0000-7000-8000-%012d", i));
  return absl::OkStatus();
}

std::vector<PatchOp> AddMembers(const std::vector<std::string>& ids, int from, int count) {
  Json values = Json::array();
  for (int i = from; i < from + count; ++i) values.push_back({{"value", ids[i]}});
  return {{"add", "members", values}};
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

double P95(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, v.size() * 95 / 100)];
}

absl::Status RunSize(int size, int rounds) {
  const std::string dir = absl::StrCat(absl::GetFlag(FLAGS_db_root), "/", size);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  ASSIGN_OR_RETURN(std::unique_ptr<KvStore> kv, OpenRocksDbKvStore(dir, ColumnFamilies()));
  audit::Outbox outbox(kv.get(), kOutboxCf);
  const auto registry = SchemaRegistry::Core();
  ResourceStore store(kv.get(), &outbox, registry.get(), Clock::Real(),
                        RandomSource::Secure());
  // The bench measures writes, not the audit shipper: drop the events.
  auto drop_events = [&]() -> absl::Status {
    std::vector<std::string> keys;
    std::vector<v1::AuditEvent> events;
    RETURN_IF_ERROR(outbox.Peek(100000, &keys, &events));
    return outbox.Remove(keys);
  };
  std::vector<std::string> ids;
  RETURN_IF_ERROR(SeedUsers(*kv, size + rounds * kPerPatch, &ids));
  v1::Group group;
  group.set_display_name("bench");
  RETURN_IF_ERROR(store.Create(GroupResourceType(), "bench", &group, {}));
  for (int from = 0; from < size; from += 1000) {
    v1::Group out;
    RETURN_IF_ERROR(store.Patch(GroupResourceType(), "bench", group.id(), "",
                                AddMembers(ids, from, std::min(1000, size - from)), &out, {}));
    RETURN_IF_ERROR(drop_events());
  }
  // Each round adds 100 new members, alternately answered as IdPs ask:
  // with excludedAttributes=members (Okta, Entra) and with every member.
  const Projection lean(store.SchemaOf(GroupResourceType()), {}, {"members"});
  std::vector<double> lean_ms, full_ms;
  for (int r = 0; r < rounds; ++r) {
    v1::Group out;
    const std::vector<PatchOp> ops = AddMembers(ids, size + r * kPerPatch, kPerPatch);
    const bool is_lean = r % 2 == 0;
    const absl::Time start = absl::Now();
    RETURN_IF_ERROR(store.Patch(GroupResourceType(), "bench", group.id(), "", ops, &out,
                                {}, {}, is_lean ? &lean : nullptr));
    (is_lean ? lean_ms : full_ms).push_back(absl::ToDoubleMilliseconds(absl::Now() - start));
    if (!is_lean && out.members_size() != size + (r + 1) * kPerPatch) {
      return absl::InternalError(absl::StrCat("group has ", out.members_size(), " members"));
    }
    RETURN_IF_ERROR(drop_events());
  }
  std::cout << absl::StrFormat(
      "group of %7d: PATCH +100 members, excludedAttributes=members: median %7.2f ms "
      "p95 %7.2f ms | answering all members: median %8.2f ms\n",
      size, Median(lean_ms), P95(lean_ms), Median(full_ms));
  return absl::OkStatus();
}

}  // namespace
}  // namespace scim::identity

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  for (absl::string_view s : absl::StrSplit(absl::GetFlag(FLAGS_sizes), ',')) {
    int size = 0;
    if (!absl::SimpleAtoi(s, &size) || size <= 0) {
      std::cerr << "bad --sizes\n";
      return 2;
    }
    absl::Status status = scim::identity::RunSize(size, absl::GetFlag(FLAGS_rounds));
    if (!status.ok()) {
      std::cerr << status << "\n";
      return 1;
    }
  }
  return 0;
}
