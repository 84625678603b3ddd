// A backup's table of contents (<dir>/<id>/manifest.json): which databases it
// holds and every file's size and SHA-256, so that `backup verify` and
// `backup restore` can tell a whole backup from a damaged or partial one.
#ifndef SCIM_BACKUP_BACKUP_MANIFEST_H_
#define SCIM_BACKUP_BACKUP_MANIFEST_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace scim::backup {

struct BackupFile {
  std::string path;    // relative to the part's directory
  int64_t size = 0;
  std::string sha256;  // lower-case hex
};

struct BackupPart {
  std::string name;    // "identity", "token", "audit"
  int shard = -1;      // identity-service's shard number; -1 when unsharded
  std::string format;  // the data format the database records ("identity 1")
  std::string source;  // the address it was streamed from
  std::vector<BackupFile> files;

  // The part's directory inside the backup: "identity", "identity-shard-1".
  std::string DirName() const;
  int64_t Bytes() const;
};

struct BackupManifest {
  std::string id;        // also the backup's directory name
  std::string created;   // RFC 3339
  std::string version;   // the scimctl release that wrote it
  std::vector<BackupPart> parts;
};

std::string ToJson(const BackupManifest& manifest);
// INVALID_ARGUMENT for anything but a manifest this code could have written:
// a path that leaves its directory, a bad digest, duplicate parts or files.
absl::StatusOr<BackupManifest> ParseManifest(absl::string_view json);

// OK for a relative path of plain names ("000012.sst", "dir/file"): never
// absolute, never "." or "..", never empty components or NUL; at most 512
// bytes. Paths come from servers and from files on disk: neither is trusted
// to stay inside the backup.
absl::Status CheckRelativePath(absl::string_view path);
// OK for a backup id: [A-Za-z0-9-]{1,64}, not starting with '-'.
absl::Status CheckBackupId(absl::string_view id);

}  // namespace scim::backup

#endif  // SCIM_BACKUP_BACKUP_MANIFEST_H_
