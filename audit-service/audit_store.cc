#include "audit-service/audit_store.h"

#include <algorithm>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/status.h"

namespace scim::audit {
namespace {

constexpr char kEventsCf[] = "events";
constexpr char kEventIdsCf[] = "event_ids";
constexpr char kHeadsCf[] = "heads";

std::string EventKey(absl::string_view tenant, uint64_t sequence) {
  return absl::StrFormat("%s/%020u", tenant, sequence);
}

}  // namespace

const std::vector<std::string>& ColumnFamilies() {
  static const auto* cfs =
      new std::vector<std::string>{kEventsCf, kEventIdsCf, kHeadsCf};
  return *cfs;
}

absl::StatusOr<int> AuditStore::Append(
    const std::vector<v1::AuditEvent>& events) {
  int appended = 0;
  RETURN_IF_ERROR(RunInTransaction(*kv_, [&](KvTransaction& txn) {
    appended = 0;
    absl::flat_hash_map<std::string, uint64_t> heads;
    for (const auto& input : events) {
      if (input.id().empty() || input.tenant().empty()) {
        return InvalidValue("an audit event needs an id and a tenant");
      }
      ASSIGN_OR_RETURN(auto seen, txn.GetForUpdate(kEventIdsCf, input.id()));
      if (seen.has_value()) continue;  // at-least-once delivery: a retry
      auto head = heads.find(input.tenant());
      if (head == heads.end()) {
        ASSIGN_OR_RETURN(auto stored, txn.GetForUpdate(kHeadsCf, input.tenant()));
        uint64_t last = 0;
        if (stored.has_value() && !absl::SimpleAtoi(*stored, &last)) {
          return absl::DataLossError("corrupt audit head");
        }
        head = heads.emplace(input.tenant(), last).first;
      }
      v1::AuditEvent event = input;
      event.set_sequence(++head->second);
      std::string key = EventKey(event.tenant(), event.sequence());
      RETURN_IF_ERROR(txn.Put(kEventsCf, key, event.SerializeAsString()));
      RETURN_IF_ERROR(txn.Put(kEventIdsCf, event.id(), key));
      ++appended;
    }
    for (const auto& [tenant, last] : heads) {
      RETURN_IF_ERROR(txn.Put(kHeadsCf, tenant, absl::StrCat(last)));
    }
    return absl::OkStatus();
  }));
  return appended;
}

absl::StatusOr<std::vector<v1::AuditEvent>> AuditStore::Tail(
    absl::string_view tenant, int limit) {
  std::vector<v1::AuditEvent> out;
  ASSIGN_OR_RETURN(auto head, kv_->Get(kHeadsCf, tenant));
  uint64_t last = 0;
  if (!head.has_value() || !absl::SimpleAtoi(*head, &last) || limit <= 0) {
    return out;
  }
  uint64_t first = last > static_cast<uint64_t>(limit) ? last - limit + 1 : 1;
  bool corrupt = false;
  RETURN_IF_ERROR(kv_->Scan(kEventsCf, absl::StrCat(tenant, "/"),
                            EventKey(tenant, first),
                            [&](absl::string_view, absl::string_view value) {
                              out.emplace_back();
                              corrupt = !out.back().ParseFromArray(
                                  value.data(), static_cast<int>(value.size()));
                              return !corrupt;
                            }));
  if (corrupt) return absl::DataLossError("corrupt audit event");
  return out;
}

}  // namespace scim::audit
