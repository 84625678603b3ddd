// A directory of backups, as `scimctl backup` writes and reads it:
//   <dir>/<id>/manifest.json        the table of contents (backup_manifest.h)
//   <dir>/<id>/<part>/<files>       each database's checkpoint
// A backup being written lives in <dir>/.<id>.partial and appears under its
// id (one rename) only once every file arrived whole and the manifest is
// on disk: a listed backup is never a torn one.
#ifndef SCIM_BACKUP_BACKUP_ARCHIVE_H_
#define SCIM_BACKUP_BACKUP_ARCHIVE_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "backup/backup_manifest.h"
#include "grpcpp/channel.h"
#include "grpcpp/client_context.h"

namespace scim::backup {

// A process to take snapshots from.
struct SnapshotServer {
  std::string address;  // recorded in the manifest
  std::shared_ptr<grpc::Channel> channel;
};

struct CreateOptions {
  std::string dir;
  // The backup's id and time; the id must pass CheckBackupId.
  std::string id;
  absl::Time now;
  std::string version;
  // A context for one Snapshot call (admin credentials, deadline).
  std::function<std::unique_ptr<grpc::ClientContext>()> make_context;
  // Progress lines (one per part), or nothing.
  std::function<void(const std::string&)> progress;
};

// "20261202T070102Z-3fa9": sorts by time; the suffix tells apart backups
// taken within one second.
std::string NewBackupId(absl::Time now, absl::string_view random_bytes);

// Streams a snapshot from every server into a new backup and returns its
// manifest. Fails whole (nothing listed) when any server fails, sends a file
// that does not match its digest, a path that leaves its directory, or a
// part another server also sent.
absl::StatusOr<BackupManifest> CreateBackup(const CreateOptions& options,
                                            const std::vector<SnapshotServer>& servers);

// The backups under `dir`, oldest first. A directory whose manifest is
// missing or unreadable is listed with an empty `created` and no parts
// (verify tells what is wrong with it).
absl::StatusOr<std::vector<BackupManifest>> ListBackups(const std::string& dir);

// OK when backup `id` is whole: every file the manifest names is there with
// its size and SHA-256, and every part opens as a RocksDB store whose block
// checksums verify and whose data format is the manifest's. DATA_LOSS naming
// the first problem otherwise; NOT_FOUND for an unknown id.
absl::StatusOr<BackupManifest> VerifyBackup(const std::string& dir, const std::string& id);

struct RestoreOptions {
  std::string dir;
  std::string id;
  std::string data_dir;  // a service's --data_dir
  // Restore only these parts ("identity", "token", "audit"; empty: all).
  std::vector<std::string> only;
  // Which identity shard to restore when the backup holds several.
  int shard = -1;
};

// Verifies the backup, then writes each chosen part to <data_dir>/<part>
// ("identity", "token", "audit"), which must not exist or be empty: a
// restore never mixes with live data. Each part appears by one rename, so
// an interrupted restore leaves no half-written database under its name.
// The services must be stopped. Answers the parts restored.
absl::StatusOr<std::vector<std::string>> RestoreBackup(const RestoreOptions& options);

}  // namespace scim::backup

#endif  // SCIM_BACKUP_BACKUP_ARCHIVE_H_
