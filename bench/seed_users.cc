// Seeds N users (user{i}@example.com) straight into an identity-service
// RocksDB through ResourceStore — the same keys, indexes and transactions as
// the API — so that 100 k and 1 M user tenants can be benchmarked without
// hours of HTTP seeding. Writes the ids to --ids_file. Bench only: the audit
// events it causes are dropped from the outbox afterwards.
#include <atomic>
#include <fstream>
#include <iostream>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "clients/audit/outbox.h"
#include "common/clock.h"
#include "common/random.h"
#include "common/status.h"
#include "identity-service/keys.h"
#include "identity-service/resource_store.h"

ABSL_FLAG(std::string, db_dir, "", "identity-service RocksDB directory");
ABSL_FLAG(std::string, tenant, "demo", "tenant to seed");
ABSL_FLAG(int, users, 10000, "number of users");
ABSL_FLAG(int, threads, 8, "writer threads");
ABSL_FLAG(std::string, ids_file, "", "where to write the ids, one per line");

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  using namespace scim;
  using namespace scim::identity;
  RocksDbKvStoreOptions options;
  options.counter_column_families = {kCountsCf};  // as identity-service opens it
  auto kv = OpenRocksDbKvStore(absl::GetFlag(FLAGS_db_dir), ColumnFamilies(), options);
  if (!kv.ok()) {
    std::cerr << kv.status() << "\n";
    return 1;
  }
  const int n = absl::GetFlag(FLAGS_users);
  const int threads = absl::GetFlag(FLAGS_threads);
  const std::string tenant = absl::GetFlag(FLAGS_tenant);
  std::vector<std::string> ids(n);
  {
    audit::Outbox outbox(kv->get(), kOutboxCf, "seed", 1u << 30);
    const auto registry = SchemaRegistry::Core();
    ResourceStore store(kv->get(), &outbox, registry.get(), Clock::Real(),
                        RandomSource::Secure());
    // As identity-service does at start-up, so that it finds the indexes
    // ready rather than rebuilding them over the seeded users.
    if (auto built = store.EnsureIndexes(); !built.ok()) {
      std::cerr << built.status() << "\n";
      return 1;
    }
    std::atomic<int> next{0}, failed{0};
    const absl::Time start = absl::Now();
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
      workers.emplace_back([&] {
        for (int i = next++; i < n; i = next++) {
          v1::User u;
          u.set_user_name(absl::StrCat("user", i + 1, "@example.com"));
          u.mutable_name()->set_given_name("Seed");
          u.mutable_name()->set_family_name(absl::StrCat("User", i + 1));
          u.set_display_name(absl::StrCat("Seed User", i + 1));
          u.set_external_id(absl::StrCat("00u", i + 1));
          u.set_active(true);
          auto* e = u.add_emails();
          e->set_value(absl::StrCat("user", i + 1, "@example.com"));
          e->set_type("work");
          e->set_primary(true);
          absl::Status s = store.Create(UserResourceType(), tenant, &u, {"seed", "", ""});
          if (!s.ok()) {
            if (failed++ < 5) std::cerr << s << "\n";
            continue;
          }
          ids[i] = u.id();
        }
      });
    }
    for (auto& w : workers) w.join();
    const double secs = absl::ToDoubleSeconds(absl::Now() - start);
    std::cerr << "seeded " << n - failed << " users in " << secs << " s ("
              << static_cast<int>((n - failed) / secs) << "/s), " << failed
              << " failed\n";
  }
  // Drop the seed's audit events: nobody made these changes.
  for (;;) {
    std::vector<std::string> keys;
    (void)(*kv)->Scan(kOutboxCf, "", "", [&](absl::string_view k, absl::string_view) {
      keys.emplace_back(k);
      return keys.size() < 10000;
    });
    if (keys.empty()) break;
    (void)RunInTransaction(**kv, [&](KvTransaction& txn) {
      for (const auto& k : keys) RETURN_IF_ERROR(txn.Delete(kOutboxCf, k));
      return absl::OkStatus();
    });
  }
  std::ofstream out(absl::GetFlag(FLAGS_ids_file));
  for (const auto& id : ids) {
    if (!id.empty()) out << id << "\n";
  }
  return 0;
}
