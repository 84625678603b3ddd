// Moves a tenant from its identity shard to another while it stays readable
// (scimctl tenant move). Every step is recorded in etcd or can be repeated:
// run again after a crash of any process, and the move finishes or the
// tenant stays whole on its old shard.
//
//   1. record the move (/scim/moves/T: from, to); clear leftovers on the target
//   2. freeze: the tenant's map entry gets frozen_until (compare-and-swap);
//      the source holds its data still (writes answer 503 Retry-After;
//      reads go on) and numbers the events already committed
//   3. copy: the source's export streamed into the target's import (SST
//      ingestion)
//   4. verify: key counts and SHA-256 per column family, equal on both sides
//   5. flip: one compare-and-swap of the entry to {to, epoch+1}: fails if the
//      freeze expired meanwhile (the source then bumped the epoch)
//   6. drop the source's copy (DeleteRange + compaction); forget the record
// A failure after 2 undoes the freeze (a new epoch) and drops the target's copy.
#ifndef SCIM_SHARDING_TENANT_MOVER_H_
#define SCIM_SHARDING_TENANT_MOVER_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpcpp/client_context.h"
#include "grpcpp/security/credentials.h"
#include "sharding/shard_map.h"

namespace scim::sharding {

struct MoveOptions {
  std::string tenant;
  int to = -1;
  // How long the tenant may stay frozen before its shard gives up on the
  // move and takes writes again.
  absl::Duration freeze_timeout = absl::Seconds(30);
  std::shared_ptr<grpc::ChannelCredentials> credentials;
  // A context for one call (admin credentials).
  std::function<std::unique_ptr<grpc::ClientContext>()> make_context;
  std::function<void(const std::string&)> progress;
};

struct MoveResult {
  int from = -1;
  int64_t rows = 0;
  absl::Duration frozen;  // writes refused: from the freeze to the flip
  absl::Duration total;
  bool already_there = false;
};

absl::StatusOr<MoveResult> MoveTenant(ShardMap& map, const MoveOptions& options);

}  // namespace scim::sharding

#endif  // SCIM_SHARDING_TENANT_MOVER_H_
