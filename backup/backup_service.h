// BackupService (proto/scim/v1/backup.proto): streams a checkpoint of each
// database this process holds to `scimctl backup create`.
#ifndef SCIM_BACKUP_BACKUP_SERVICE_H_
#define SCIM_BACKUP_BACKUP_SERVICE_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "scim/v1/backup.grpc.pb.h"
#include "storage/kv_store.h"

namespace scim::backup {

// A database to back up.
struct SnapshotSource {
  std::string part;         // "identity", "token", "audit"
  int shard = -1;           // identity-service's shard; -1 when unsharded
  DataFormat format;        // what the database records
  KvStore* store = nullptr;
  // Where the checkpoint is written before it is streamed: on the store's
  // filesystem (hard links), emptied before and after each snapshot.
  std::string scratch_dir;
  // Files beside the database in `db_dir` that belong to it (audit-service's
  // signing key): copied into the snapshot when they exist.
  std::string db_dir;
  std::vector<std::string> side_files;
};

// A database opened at `db_dir`; its checkpoints go to "<db_dir>.snapshot".
inline SnapshotSource SourceOf(std::string part, KvStore& store, DataFormat format,
                               const std::string& db_dir, int shard = -1,
                               std::vector<std::string> side_files = {}) {
  return SnapshotSource{std::move(part), shard, std::move(format), &store,
                        db_dir + ".snapshot", db_dir, std::move(side_files)};
}

class BackupServiceImpl final : public v1::BackupService::Service {
 public:
  BackupServiceImpl(std::string admin_token, std::vector<SnapshotSource> sources);

  grpc::Status Snapshot(grpc::ServerContext* context, const v1::SnapshotRequest* request,
                        grpc::ServerWriter<v1::SnapshotChunk>* writer) override;

 private:
  absl::Status StreamSource(grpc::ServerContext& context, const SnapshotSource& source,
                            grpc::ServerWriter<v1::SnapshotChunk>& writer);

  const std::string admin_token_;
  const std::vector<SnapshotSource> sources_;
  absl::Mutex busy_;  // one snapshot at a time: each holds a checkpoint on disk
};

}  // namespace scim::backup

#endif  // SCIM_BACKUP_BACKUP_SERVICE_H_
