#include "backup/backup_service.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/admin_token.h"
#include "common/log.h"
#include "common/random.h"

namespace scim::backup {
namespace {

namespace fs = std::filesystem;

// Chunk size: well under gRPC's 4 MiB message limit.
constexpr size_t kChunkBytes = 1 << 20;

}  // namespace

BackupServiceImpl::BackupServiceImpl(std::string admin_token,
                                     std::vector<SnapshotSource> sources)
    : admin_token_(std::move(admin_token)), sources_(std::move(sources)) {}

grpc::Status BackupServiceImpl::Snapshot(grpc::ServerContext* context,
                                         const v1::SnapshotRequest* /*request*/,
                                         grpc::ServerWriter<v1::SnapshotChunk>* writer) {
  return AsAdmin(*context, admin_token_, [&]() -> absl::Status {
    if (!busy_.TryLock()) {
      return absl::ResourceExhaustedError(
          "a backup of this process is already being taken; try again when it ends");
    }
    absl::Status status;
    for (const SnapshotSource& source : sources_) {
      status = StreamSource(*context, source, *writer);
      std::error_code ec;
      fs::remove_all(source.scratch_dir, ec);
      if (!status.ok()) break;
    }
    busy_.Unlock();
    return status;
  });
}

absl::Status BackupServiceImpl::StreamSource(grpc::ServerContext& context,
                                             const SnapshotSource& source,
                                             grpc::ServerWriter<v1::SnapshotChunk>& writer) {
  std::error_code ec;
  // A snapshot that died with its process left this behind.
  fs::remove_all(source.scratch_dir, ec);
  if (absl::Status s = source.store->CreateCheckpoint(source.scratch_dir); !s.ok()) return s;
  for (const std::string& name : source.side_files) {
    const fs::path from = fs::path(source.db_dir) / name;
    if (!fs::exists(from, ec)) continue;
    fs::copy_file(from, fs::path(source.scratch_dir) / name, ec);
    if (ec) return absl::UnavailableError(absl::StrCat("cannot copy ", from.string(), ": ", ec.message()));
  }
  std::vector<fs::path> files;
  for (auto it = fs::recursive_directory_iterator(source.scratch_dir, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_regular_file()) files.push_back(it->path());
  }
  if (ec) return absl::UnavailableError(absl::StrCat("cannot list the checkpoint: ", ec.message()));
  std::sort(files.begin(), files.end());
  const std::string format =
      source.format.version == 0 ? "" : absl::StrCat(source.format.service, " ", source.format.version);
  std::string buffer(kChunkBytes, '\0');
  for (const fs::path& file : files) {
    const std::string relative = fs::relative(file, source.scratch_dir).generic_string();
    std::ifstream in(file, std::ios::binary);
    if (!in) return absl::UnavailableError(absl::StrCat("cannot read ", file.string()));
    Sha256Hasher hasher;
    int64_t offset = 0;
    while (true) {
      if (context.IsCancelled()) return absl::CancelledError("the client went away");
      in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
      const std::streamsize n = in.gcount();
      if (in.bad()) return absl::UnavailableError(absl::StrCat("cannot read ", file.string()));
      const bool end = n < static_cast<std::streamsize>(buffer.size()) || in.peek() == EOF;
      v1::SnapshotChunk chunk;
      chunk.set_part(source.part);
      chunk.set_shard(source.shard);
      chunk.set_format(format);
      chunk.set_path(relative);
      chunk.set_offset(offset);
      chunk.set_data(buffer.data(), static_cast<size_t>(n));
      hasher.Update(absl::string_view(buffer.data(), static_cast<size_t>(n)));
      offset += n;
      if (end) {
        chunk.set_file_end(true);
        chunk.set_file_size(offset);
        chunk.set_sha256(HexEncode(hasher.Finish()));
      }
      if (!writer.Write(chunk)) return absl::CancelledError("the client went away");
      if (end) break;
    }
  }
  LogInfo("backup snapshot streamed",
          {{"part", source.part}, {"files", absl::StrCat(files.size())}});
  return absl::OkStatus();
}

}  // namespace scim::backup
