#include "backup/backup_archive.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "common/random.h"
#include "common/status.h"
#include "scim/v1/backup.grpc.pb.h"
#include "storage/kv_store.h"

namespace scim::backup {
namespace {

namespace fs = std::filesystem;

constexpr char kManifest[] = "manifest.json";

absl::Status Errno(absl::string_view what, const std::string& path) {
  return absl::UnavailableError(absl::StrCat(what, " ", path, ": ", std::strerror(errno)));
}

// A file written and synced: a backup that says it is done is on disk.
class SyncedFile {
 public:
  ~SyncedFile() {
    if (fd_ >= 0) ::close(fd_);
  }
  absl::Status Open(const std::string& path) {
    fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    path_ = path;
    return fd_ < 0 ? Errno("cannot create", path) : absl::OkStatus();
  }
  absl::Status Write(absl::string_view data) {
    while (!data.empty()) {
      ssize_t n = ::write(fd_, data.data(), data.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return Errno("cannot write", path_);
      data.remove_prefix(static_cast<size_t>(n));
    }
    return absl::OkStatus();
  }
  absl::Status Close() {
    const bool synced = ::fsync(fd_) == 0;
    const int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0 || !synced) return Errno("cannot sync", path_);
    return absl::OkStatus();
  }

 private:
  int fd_ = -1;
  std::string path_;
};

absl::Status SyncDir(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Errno("cannot open", path);
  const bool ok = ::fsync(fd) == 0;
  ::close(fd);
  return ok ? absl::OkStatus() : Errno("cannot sync", path);
}

absl::StatusOr<std::string> ReadSmallFile(const std::string& path, size_t limit) {
  std::error_code ec;
  const auto size = fs::file_size(path, ec);
  if (ec) return absl::NotFoundError(absl::StrCat(path, " is missing"));
  if (size > limit) return absl::DataLossError(absl::StrCat(path, " is too large"));
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  if (!in) return absl::UnavailableError(absl::StrCat("cannot read ", path));
  return text.str();
}

// Size and hex SHA-256 of a file, streamed.
absl::StatusOr<std::pair<int64_t, std::string>> HashFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::DataLossError(absl::StrCat(path, " is missing"));
  Sha256Hasher hasher;
  std::string buffer(1 << 20, '\0');
  int64_t size = 0;
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    const auto n = static_cast<size_t>(in.gcount());
    hasher.Update(absl::string_view(buffer.data(), n));
    size += static_cast<int64_t>(n);
  }
  if (in.bad()) return absl::DataLossError(absl::StrCat("cannot read ", path));
  return std::make_pair(size, HexEncode(hasher.Finish()));
}

bool IsPartName(absl::string_view name) {
  return name == "identity" || name == "token" || name == "audit";
}

// Receives one server's stream into `root`, adding its parts to `parts`.
class SnapshotReceiver {
 public:
  SnapshotReceiver(std::string root, std::string source, std::vector<BackupPart>* parts,
                   std::map<std::string, std::string>* owners)
      : root_(std::move(root)), source_(std::move(source)), parts_(parts), owners_(owners) {}

  absl::Status Take(const v1::SnapshotChunk& chunk) {
    if (!IsPartName(chunk.part()) || chunk.shard() < -1 || chunk.shard() > 1023 ||
        (chunk.shard() >= 0 && chunk.part() != "identity")) {
      return absl::DataLossError(absl::StrCat(source_, " sent an unknown part \"",
                                              chunk.part(), "\""));
    }
    if (absl::Status s = CheckRelativePath(chunk.path()); !s.ok()) {
      return absl::DataLossError(absl::StrCat(source_, " sent a bad file name: ", s.message()));
    }
    BackupPart probe{chunk.part(), chunk.shard()};
    const std::string dir = probe.DirName();
    if (part_ == kNone || (*parts_)[part_].DirName() != dir) {
      if (absl::Status s = EndFileExpected(); !s.ok()) return s;
      auto [owner, fresh] = owners_->emplace(dir, source_);
      if (!fresh) {
        return absl::FailedPreconditionError(absl::StrCat(
            "part ", dir, " came from both ", owner->second, " and ", source_,
            ": each database must be backed up from one process (check the addresses)"));
      }
      parts_->push_back(BackupPart{chunk.part(), chunk.shard(), chunk.format(), source_, {}});
      part_ = parts_->size() - 1;
      paths_.clear();
    }
    if (!file_open_) {
      if (chunk.offset() != 0 || !paths_.insert(chunk.path()).second) {
        return absl::DataLossError(absl::StrCat(source_, " sent ", chunk.path(), " out of order"));
      }
      const fs::path target = fs::path(root_) / dir / chunk.path();
      std::error_code ec;
      fs::create_directories(target.parent_path(), ec);
      if (ec) return absl::UnavailableError(absl::StrCat("cannot create ", target.parent_path().string()));
      file_ = std::make_unique<SyncedFile>();
      if (absl::Status s = file_->Open(target.string()); !s.ok()) return s;
      hasher_ = std::make_unique<Sha256Hasher>();
      path_ = chunk.path();
      written_ = 0;
      file_open_ = true;
    } else if (chunk.path() != path_ || chunk.offset() != written_) {
      return absl::DataLossError(absl::StrCat(source_, " sent ", path_, " with a gap"));
    }
    if (absl::Status s = file_->Write(chunk.data()); !s.ok()) return s;
    hasher_->Update(chunk.data());
    written_ += static_cast<int64_t>(chunk.data().size());
    if (!chunk.file_end()) return absl::OkStatus();
    const std::string digest = HexEncode(hasher_->Finish());
    file_open_ = false;
    if (absl::Status s = file_->Close(); !s.ok()) return s;
    if (written_ != chunk.file_size() || digest != chunk.sha256()) {
      return absl::DataLossError(absl::StrCat(source_, ": ", dir, "/", path_,
                                              " arrived damaged (size or SHA-256 differs)"));
    }
    (*parts_)[part_].files.push_back(BackupFile{path_, written_, digest});
    return absl::OkStatus();
  }

  absl::Status EndFileExpected() const {
    return file_open_ ? absl::DataLossError(absl::StrCat(source_, " stopped in the middle of ", path_))
                      : absl::OkStatus();
  }

 private:
  const std::string root_;
  const std::string source_;
  std::vector<BackupPart>* const parts_;
  std::map<std::string, std::string>* const owners_;
  static constexpr size_t kNone = static_cast<size_t>(-1);
  size_t part_ = kNone;  // index into *parts_ of the part being received
  std::set<std::string> paths_;
  bool file_open_ = false;
  std::unique_ptr<SyncedFile> file_;
  std::unique_ptr<Sha256Hasher> hasher_;
  std::string path_;
  int64_t written_ = 0;
};

absl::StatusOr<BackupManifest> ReadManifest(const std::string& backup_dir) {
  auto text = ReadSmallFile(backup_dir + "/" + kManifest, 16 << 20);
  if (!text.ok()) return text.status();
  auto manifest = ParseManifest(*text);
  if (!manifest.ok()) return absl::DataLossError(manifest.status().message());
  return manifest;
}

absl::Status CopyFile(const std::string& from, const std::string& to) {
  std::ifstream in(from, std::ios::binary);
  if (!in) return absl::DataLossError(absl::StrCat("cannot read ", from));
  SyncedFile out;
  if (absl::Status s = out.Open(to); !s.ok()) return s;
  std::string buffer(1 << 20, '\0');
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    if (absl::Status s = out.Write(absl::string_view(buffer.data(), static_cast<size_t>(in.gcount())));
        !s.ok()) {
      return s;
    }
  }
  if (in.bad()) return absl::DataLossError(absl::StrCat("cannot read ", from));
  return out.Close();
}

bool IsEmptyOrMissing(const std::string& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) return true;
  return fs::is_directory(path, ec) && fs::is_empty(path, ec);
}

}  // namespace

std::string NewBackupId(absl::Time now, absl::string_view random_bytes) {
  return absl::StrCat(absl::FormatTime("%Y%m%dT%H%M%SZ", now, absl::UTCTimeZone()), "-",
                      HexEncode(random_bytes.substr(0, 2)));
}

absl::StatusOr<BackupManifest> CreateBackup(const CreateOptions& options,
                                            const std::vector<SnapshotServer>& servers) {
  if (absl::Status s = CheckBackupId(options.id); !s.ok()) return s;
  std::error_code ec;
  fs::create_directories(options.dir, ec);
  if (ec) return absl::UnavailableError(absl::StrCat("cannot create ", options.dir, ": ", ec.message()));
  const std::string final_dir = options.dir + "/" + options.id;
  if (fs::exists(final_dir, ec)) {
    return absl::AlreadyExistsError(absl::StrCat("backup ", options.id, " exists"));
  }
  const std::string partial = options.dir + "/." + options.id + ".partial";
  fs::remove_all(partial, ec);
  fs::create_directory(partial, ec);
  if (ec) return absl::UnavailableError(absl::StrCat("cannot create ", partial, ": ", ec.message()));
  BackupManifest manifest;
  manifest.id = options.id;
  manifest.created = absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", options.now, absl::UTCTimeZone());
  manifest.version = options.version;
  std::map<std::string, std::string> owners;
  absl::Status status;
  for (const SnapshotServer& server : servers) {
    const size_t before = manifest.parts.size();
    SnapshotReceiver receiver(partial, server.address, &manifest.parts, &owners);
    auto stub = v1::BackupService::NewStub(server.channel);
    std::unique_ptr<grpc::ClientContext> context = options.make_context();
    auto reader = stub->Snapshot(context.get(), v1::SnapshotRequest());
    v1::SnapshotChunk chunk;
    while (status.ok() && reader->Read(&chunk)) {
      if (manifest.parts.size() >= 4096) {
        status = absl::DataLossError(absl::StrCat(server.address, " sent too many parts"));
        break;
      }
      status = receiver.Take(chunk);
    }
    if (!status.ok()) {
      context->TryCancel();
      reader->Finish();
      break;
    }
    status = FromGrpcStatus(reader->Finish());
    if (status.ok()) status = receiver.EndFileExpected();
    if (status.ok() && manifest.parts.size() == before) {
      status = absl::DataLossError(absl::StrCat(server.address, " sent no database"));
    }
    if (!status.ok()) {
      status = absl::Status(status.code(), absl::StrCat(server.address, ": ", status.message()));
      break;
    }
    if (options.progress) {
      for (size_t i = before; i < manifest.parts.size(); ++i) {
        const BackupPart& part = manifest.parts[i];
        options.progress(absl::StrCat(part.DirName(), " from ", server.address, ": ",
                                      part.files.size(), " files, ", part.Bytes(), " bytes"));
      }
    }
  }
  if (status.ok()) {
    SyncedFile out;
    status = out.Open(partial + "/" + kManifest);
    if (status.ok()) status = out.Write(ToJson(manifest));
    if (status.ok()) status = out.Close();
  }
  if (status.ok()) {
    for (const BackupPart& part : manifest.parts) {
      if (status.ok()) status = SyncDir(partial + "/" + part.DirName());
    }
  }
  if (status.ok()) status = SyncDir(partial);
  if (status.ok()) {
    fs::rename(partial, final_dir, ec);
    if (ec) status = absl::UnavailableError(absl::StrCat("cannot rename ", partial, ": ", ec.message()));
  }
  if (status.ok()) status = SyncDir(options.dir);
  if (!status.ok()) {
    fs::remove_all(partial, ec);
    return status;
  }
  return manifest;
}

absl::StatusOr<std::vector<BackupManifest>> ListBackups(const std::string& dir) {
  std::error_code ec;
  std::vector<BackupManifest> out;
  if (!fs::is_directory(dir, ec)) {
    return absl::NotFoundError(absl::StrCat(dir, " is not a directory"));
  }
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (!entry.is_directory() || !CheckBackupId(name).ok()) continue;
    auto manifest = ReadManifest(entry.path().string());
    if (manifest.ok() && manifest->id == name) {
      out.push_back(*std::move(manifest));
    } else {
      BackupManifest unreadable;
      unreadable.id = name;
      out.push_back(std::move(unreadable));
    }
    if (out.size() > 100000) break;
  }
  if (ec) return absl::UnavailableError(absl::StrCat("cannot list ", dir, ": ", ec.message()));
  std::sort(out.begin(), out.end(),
            [](const BackupManifest& a, const BackupManifest& b) { return a.id < b.id; });
  return out;
}

absl::StatusOr<BackupManifest> VerifyBackup(const std::string& dir, const std::string& id) {
  if (absl::Status s = CheckBackupId(id); !s.ok()) return s;
  const std::string root = dir + "/" + id;
  std::error_code ec;
  if (!fs::is_directory(root, ec)) {
    return absl::NotFoundError(absl::StrCat("no backup ", id, " in ", dir));
  }
  auto manifest = ReadManifest(root);
  if (!manifest.ok()) {
    return absl::DataLossError(absl::StrCat("backup ", id, ": ", manifest.status().message()));
  }
  if (manifest->id != id) {
    return absl::DataLossError(absl::StrCat("backup ", id, "'s manifest names ", manifest->id));
  }
  for (const BackupPart& part : manifest->parts) {
    const std::string part_dir = root + "/" + part.DirName();
    for (const BackupFile& file : part.files) {
      auto got = HashFile(part_dir + "/" + file.path);
      if (!got.ok()) return got.status();
      if (got->first != file.size || got->second != file.sha256) {
        return absl::DataLossError(absl::StrCat("backup ", id, ": ", part.DirName(), "/",
                                                file.path, " is damaged (size or SHA-256 differs)"));
      }
    }
    auto format = VerifyRocksDbCopy(part_dir);
    if (!format.ok()) {
      return absl::DataLossError(absl::StrCat("backup ", id, ": ", format.status().message()));
    }
    if (*format != part.format) {
      return absl::DataLossError(absl::StrCat("backup ", id, ": ", part.DirName(),
                                              " records data format \"", *format,
                                              "\", the manifest \"", part.format, "\""));
    }
  }
  return manifest;
}

absl::StatusOr<std::vector<std::string>> RestoreBackup(const RestoreOptions& options) {
  auto manifest = VerifyBackup(options.dir, options.id);
  if (!manifest.ok()) return manifest.status();
  std::vector<const BackupPart*> chosen;
  std::vector<int> identity_shards;
  for (const BackupPart& part : manifest->parts) {
    if (!options.only.empty() &&
        std::find(options.only.begin(), options.only.end(), part.name) == options.only.end()) {
      continue;
    }
    if (part.shard >= 0) identity_shards.push_back(part.shard);
    // An identity database goes to <data_dir>/identity: one shard's, or the
    // unsharded one.
    if (part.name == "identity" && part.shard != options.shard) continue;
    chosen.push_back(&part);
  }
  const bool unsharded_identity =
      std::any_of(manifest->parts.begin(), manifest->parts.end(),
                  [](const BackupPart& p) { return p.name == "identity" && p.shard < 0; });
  if (!identity_shards.empty() && options.shard < 0 && !unsharded_identity) {
    return absl::InvalidArgumentError(absl::StrCat(
        "backup ", options.id, " holds identity shards ", absl::StrJoin(identity_shards, ","),
        ": restore each into its own shard's data directory with --shard=N"));
  }
  if (options.shard >= 0 &&
      std::find(identity_shards.begin(), identity_shards.end(), options.shard) ==
          identity_shards.end()) {
    return absl::NotFoundError(
        absl::StrCat("backup ", options.id, " holds no identity shard ", options.shard));
  }
  if (chosen.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("backup ", options.id, " holds none of the parts asked for"));
  }
  for (const BackupPart* part : chosen) {
    const std::string target = options.data_dir + "/" + part->name;
    if (!IsEmptyOrMissing(target)) {
      return absl::FailedPreconditionError(absl::StrCat(
          target, " holds data: stop the service and move it away first (a restore never "
          "writes over live data)"));
    }
  }
  std::error_code ec;
  fs::create_directories(options.data_dir, ec);
  std::vector<std::string> restored;
  for (const BackupPart* part : chosen) {
    const std::string source = options.dir + "/" + options.id + "/" + part->DirName();
    const std::string target = options.data_dir + "/" + part->name;
    const std::string staging = options.data_dir + "/." + part->name + ".restoring";
    fs::remove_all(staging, ec);
    for (const BackupFile& file : part->files) {
      const fs::path to = fs::path(staging) / file.path;
      fs::create_directories(to.parent_path(), ec);
      if (absl::Status s = CopyFile(source + "/" + file.path, to.string()); !s.ok()) {
        fs::remove_all(staging, ec);
        return s;
      }
    }
    if (absl::Status s = SyncDir(staging); !s.ok()) return s;
    fs::remove(target, ec);  // empty or missing (checked above)
    fs::rename(staging, target, ec);
    if (ec) return absl::UnavailableError(absl::StrCat("cannot rename ", staging, ": ", ec.message()));
    if (absl::Status s = SyncDir(options.data_dir); !s.ok()) return s;
    restored.push_back(part->DirName());
  }
  return restored;
}

}  // namespace scim::backup
