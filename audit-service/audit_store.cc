#include "audit-service/audit_store.h"

#include <algorithm>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "common/proto_util.h"
#include "common/random.h"
#include "common/status.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"

namespace scim::audit {
namespace {

constexpr char kEventsCf[] = "events";
constexpr char kEventIdsCf[] = "event_ids";
constexpr char kHeadsCf[] = "heads";
constexpr char kCheckpointsCf[] = "checkpoints";
constexpr int kMaxQueryScan = 100000;
const std::string& ZeroHash() {
  static const std::string* zero = new std::string(32, '\0');
  return *zero;
}

std::string EventPrefix(absl::string_view tenant) {
  return absl::StrCat(tenant, "/");
}

std::string EventKey(absl::string_view tenant, uint64_t sequence) {
  return absl::StrFormat("%s/%020u", tenant, sequence);
}

struct Head {
  uint64_t sequence = 0;
  std::string hash = ZeroHash();
};

absl::StatusOr<Head> ParseHead(const std::optional<std::string>& stored) {
  Head head;
  if (!stored.has_value()) return head;
  std::vector<std::string> parts = absl::StrSplit(*stored, ':');
  if (parts.size() != 2 || !absl::SimpleAtoi(parts[0], &head.sequence)) {
    return absl::DataLossError("corrupt audit head");
  }
  head.hash = absl::HexStringToBytes(parts[1]);
  return head;
}

std::string FormatHead(const Head& head) {
  return absl::StrCat(head.sequence, ":", HexEncode(head.hash));
}

bool Matches(const v1::QueryRequest& q, const v1::AuditEvent& e) {
  if (q.has_start_time() && FromTimestamp(e.time()) < FromTimestamp(q.start_time())) {
    return false;
  }
  if (q.has_end_time() && FromTimestamp(e.time()) > FromTimestamp(q.end_time())) return false;
  if (!q.resource_id().empty() && e.resource_id() != q.resource_id()) {
    return false;
  }
  if (!q.actor().empty() && e.actor() != q.actor()) return false;
  if (!q.operation().empty()) {
    if (absl::EndsWith(q.operation(), ".")) {
      if (!absl::StartsWith(e.operation(), q.operation())) return false;
    } else if (e.operation() != q.operation()) {
      return false;
    }
  }
  return true;
}

}  // namespace

const std::vector<std::string>& ColumnFamilies() {
  static const auto* cfs = new std::vector<std::string>{
      kEventsCf, kEventIdsCf, kHeadsCf, kCheckpointsCf};
  return *cfs;
}

std::string ChainHash(const v1::AuditEvent& event) {
  v1::AuditEvent copy = event;
  copy.clear_hash();
  std::string canonical;
  {
    google::protobuf::io::StringOutputStream raw(&canonical);
    google::protobuf::io::CodedOutputStream out(&raw);
    out.SetSerializationDeterministic(true);
    copy.SerializeToCodedStream(&out);
  }
  return Sha256(absl::StrCat(event.prev_hash(), canonical));
}

std::string CheckpointMessage(const v1::Checkpoint& checkpoint) {
  std::string seq(8, '\0');
  for (int i = 0; i < 8; ++i) {
    seq[i] = static_cast<char>(checkpoint.sequence() >> (56 - 8 * i));
  }
  return absl::StrCat("scim-audit-checkpoint", std::string(1, '\0'),
                      checkpoint.tenant(), std::string(1, '\0'), seq,
                      checkpoint.hash());
}

AuditStore::AuditStore(KvStore* kv, const SigningKey* signer, Clock* clock)
    : kv_(kv), signer_(signer), clock_(clock) {}

absl::StatusOr<int> AuditStore::Append(
    const std::vector<v1::AuditEvent>& events) {
  int appended = 0;
  RETURN_IF_ERROR(RunInTransaction(*kv_, [&](KvTransaction& txn) {
    appended = 0;
    absl::flat_hash_map<std::string, Head> heads;
    for (const auto& input : events) {
      if (input.id().empty() || input.tenant().empty()) {
        return InvalidValue("an audit event needs an id and a tenant");
      }
      ASSIGN_OR_RETURN(auto seen, txn.GetForUpdate(kEventIdsCf, input.id()));
      if (seen.has_value()) continue;  // at-least-once delivery: a retry
      auto head = heads.find(input.tenant());
      if (head == heads.end()) {
        // The head's lock serializes appends per tenant: one chain, no forks.
        ASSIGN_OR_RETURN(auto stored, txn.GetForUpdate(kHeadsCf, input.tenant()));
        ASSIGN_OR_RETURN(Head parsed, ParseHead(stored));
        head = heads.emplace(input.tenant(), parsed).first;
      }
      v1::AuditEvent event = input;
      event.set_sequence(++head->second.sequence);
      event.set_prev_hash(head->second.hash);
      event.set_hash(ChainHash(event));
      head->second.hash = event.hash();
      std::string key = EventKey(event.tenant(), event.sequence());
      RETURN_IF_ERROR(txn.Put(kEventsCf, key, event.SerializeAsString()));
      RETURN_IF_ERROR(txn.Put(kEventIdsCf, event.id(), key));
      ++appended;
    }
    for (const auto& [tenant, head] : heads) {
      RETURN_IF_ERROR(txn.Put(kHeadsCf, tenant, FormatHead(head)));
    }
    return absl::OkStatus();
  }));
  if (appended > 0) {
    absl::MutexLock lock(&append_mu_);
    ++appends_;
  }
  return appended;
}

absl::StatusOr<uint64_t> AuditStore::LastSequence(absl::string_view tenant) {
  ASSIGN_OR_RETURN(auto stored, kv_->Get(kHeadsCf, tenant));
  ASSIGN_OR_RETURN(Head head, ParseHead(stored));
  return head.sequence;
}

absl::StatusOr<std::vector<v1::AuditEvent>> AuditStore::Tail(
    absl::string_view tenant, int limit) {
  ASSIGN_OR_RETURN(uint64_t last, LastSequence(tenant));
  v1::QueryRequest query;
  query.set_tenant(std::string(tenant));
  query.set_limit(limit);
  query.set_after_sequence(last > static_cast<uint64_t>(limit) ? last - limit
                                                               : 0);
  ASSIGN_OR_RETURN(v1::QueryResponse page, Query(query));
  return std::vector<v1::AuditEvent>(page.events().begin(),
                                     page.events().end());
}

absl::StatusOr<v1::QueryResponse> AuditStore::Query(
    const v1::QueryRequest& request) {
  if (request.tenant().empty()) return InvalidValue("tenant is required");
  const int limit =
      request.limit() <= 0 ? 100 : std::min(request.limit(), 1000);
  v1::QueryResponse response;
  absl::Status status;
  int scanned = 0;
  uint64_t last_seen = 0;
  bool more = false;
  RETURN_IF_ERROR(kv_->Scan(
      kEventsCf, EventPrefix(request.tenant()),
      EventKey(request.tenant(), request.after_sequence() + 1),
      [&](absl::string_view, absl::string_view value) {
        if (response.events_size() >= limit || scanned >= kMaxQueryScan) {
          more = true;
          return false;
        }
        ++scanned;
        v1::AuditEvent event;
        if (!event.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
          status = absl::DataLossError("corrupt audit event");
          return false;
        }
        last_seen = event.sequence();
        if (Matches(request, event)) *response.add_events() = std::move(event);
        return true;
      }));
  RETURN_IF_ERROR(status);
  response.set_next_after_sequence(more ? last_seen : 0);
  return response;
}

absl::StatusOr<v1::VerifyResponse> AuditStore::Verify(absl::string_view tenant) {
  v1::VerifyResponse response;
  auto broken = [&](uint64_t sequence, std::string detail) {
    response.set_ok(false);
    response.set_first_broken_sequence(sequence);
    response.set_detail(std::move(detail));
    return response;
  };
  Head expected;  // from the genesis, or from the checkpoint
  ASSIGN_OR_RETURN(auto stored_checkpoint, kv_->Get(kCheckpointsCf, tenant));
  if (stored_checkpoint.has_value()) {
    v1::Checkpoint checkpoint;
    if (!checkpoint.ParseFromString(*stored_checkpoint)) {
      return broken(1, "the checkpoint cannot be read");
    }
    if (checkpoint.public_key() != signer_->public_key() ||
        !VerifySignature(checkpoint.public_key(), CheckpointMessage(checkpoint),
                         checkpoint.signature())) {
      return broken(checkpoint.sequence(),
                    "the checkpoint's signature is not audit-service's");
    }
    expected.sequence = checkpoint.sequence();
    expected.hash = checkpoint.hash();
  }
  ASSIGN_OR_RETURN(auto stored_head, kv_->Get(kHeadsCf, tenant));
  ASSIGN_OR_RETURN(Head head, ParseHead(stored_head));
  std::optional<v1::VerifyResponse> failure;
  RETURN_IF_ERROR(kv_->Scan(
      kEventsCf, EventPrefix(tenant), EventKey(tenant, expected.sequence + 1),
      [&](absl::string_view key, absl::string_view value) {
        const uint64_t want = expected.sequence + 1;
        uint64_t at = 0;
        if (!absl::SimpleAtoi(key.substr(key.rfind('/') + 1), &at)) at = want;
        v1::AuditEvent event;
        if (at != want) {
          failure = broken(want, absl::StrCat("event ", want, " is missing"));
        } else if (!event.ParseFromArray(value.data(),
                                         static_cast<int>(value.size()))) {
          failure = broken(at, absl::StrCat("event ", at, " cannot be read"));
        } else if (event.sequence() != at || event.tenant() != tenant) {
          failure = broken(at, absl::StrCat("event ", at,
                                            " is out of place (sequence ",
                                            event.sequence(), ")"));
        } else if (event.prev_hash() != expected.hash) {
          failure = broken(at, absl::StrCat("event ", at,
                                            " does not follow the previous "
                                            "event's hash"));
        } else if (ChainHash(event) != event.hash()) {
          failure = broken(at, absl::StrCat("event ", at,
                                            " does not match its hash (id ",
                                            event.id(), ")"));
        }
        if (failure.has_value()) return false;
        expected.sequence = at;
        expected.hash = event.hash();
        response.set_events(response.events() + 1);
        return true;
      }));
  if (failure.has_value()) return *failure;
  if (expected.sequence != head.sequence || expected.hash != head.hash) {
    return broken(expected.sequence + 1,
                  absl::StrCat("the log ends at event ", expected.sequence,
                               " but its head says ", head.sequence));
  }
  response.set_ok(true);
  return response;
}

absl::StatusOr<v1::PruneResponse> AuditStore::Prune(absl::string_view tenant,
                                                    absl::Time before) {
  v1::PruneResponse response;
  // Chunks keep each transaction small on large logs.
  constexpr int kChunk = 5000;
  for (;;) {
    std::vector<std::pair<std::string, v1::AuditEvent>> doomed;
    ASSIGN_OR_RETURN(auto stored_checkpoint, kv_->Get(kCheckpointsCf, tenant));
    v1::Checkpoint checkpoint;
    if (stored_checkpoint.has_value()) checkpoint.ParseFromString(*stored_checkpoint);
    absl::Status status;
    RETURN_IF_ERROR(kv_->Scan(
        kEventsCf, EventPrefix(tenant), "",
        [&](absl::string_view key, absl::string_view value) {
          v1::AuditEvent event;
          if (!event.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
            status = absl::DataLossError("corrupt audit event");
            return false;
          }
          if (FromTimestamp(event.time()) >= before) return false;
          doomed.emplace_back(std::string(key), std::move(event));
          return doomed.size() < kChunk;
        }));
    RETURN_IF_ERROR(status);
    if (doomed.empty()) break;
    const v1::AuditEvent& last = doomed.back().second;
    checkpoint.set_tenant(std::string(tenant));
    checkpoint.set_sequence(last.sequence());
    checkpoint.set_hash(last.hash());
    *checkpoint.mutable_time() = ToTimestamp(clock_->Now());
    checkpoint.set_public_key(signer_->public_key());
    checkpoint.set_signature(signer_->Sign(CheckpointMessage(checkpoint)));
    RETURN_IF_ERROR(RunInTransaction(*kv_, [&](KvTransaction& txn) {
      for (const auto& [key, event] : doomed) {
        RETURN_IF_ERROR(txn.Delete(kEventsCf, key));
      }
      return txn.Put(kCheckpointsCf, tenant, checkpoint.SerializeAsString());
    }));
    response.set_pruned(response.pruned() + doomed.size());
    *response.mutable_checkpoint() = checkpoint;
    if (doomed.size() < kChunk) break;
  }
  return response;
}

absl::StatusOr<std::vector<std::string>> AuditStore::Tenants() {
  std::vector<std::string> tenants;
  RETURN_IF_ERROR(kv_->Scan(kHeadsCf, "", "",
                            [&](absl::string_view key, absl::string_view) {
                              tenants.emplace_back(key);
                              return true;
                            }));
  return tenants;
}

bool AuditStore::WaitForEvents(absl::string_view tenant,
                               uint64_t after_sequence,
                               absl::Duration timeout) {
  // Real time: the wait below is on the real clock whatever clock_ is.
  const absl::Time deadline = absl::Now() + timeout;
  for (;;) {
    uint64_t seen;
    {
      absl::MutexLock lock(&append_mu_);
      seen = appends_;
    }
    auto last = LastSequence(tenant);
    if (last.ok() && *last > after_sequence) return true;
    absl::MutexLock lock(&append_mu_);
    auto changed = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(append_mu_) {
      return appends_ != seen;
    };
    if (!append_mu_.AwaitWithDeadline(absl::Condition(&changed), deadline)) {
      return false;
    }
  }
}

}  // namespace scim::audit
