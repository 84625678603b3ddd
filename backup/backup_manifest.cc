#include "backup/backup_manifest.h"

#include <set>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "nlohmann/json.hpp"

namespace scim::backup {
namespace {

using json = nlohmann::json;

// Bounds a manifest read from disk: far above any real one (a RocksDB
// checkpoint has tens of files per part), far below what hurts.
constexpr size_t kMaxManifestBytes = 16 << 20;
constexpr size_t kMaxParts = 256;
constexpr size_t kMaxFilesPerPart = 100000;

absl::Status Invalid(absl::string_view detail) {
  return absl::InvalidArgumentError(absl::StrCat("backup manifest: ", detail));
}

bool IsHexDigest(absl::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (!absl::ascii_isdigit(c) && !(c >= 'a' && c <= 'f')) return false;
  }
  return true;
}

// The string at `key` of object `o`, or an error naming it.
absl::StatusOr<std::string> StringAt(const json& o, const char* key) {
  auto it = o.find(key);
  if (it == o.end() || !it->is_string()) {
    return Invalid(absl::StrCat("\"", key, "\" must be a string"));
  }
  return it->get<std::string>();
}

absl::StatusOr<int64_t> IntAt(const json& o, const char* key) {
  auto it = o.find(key);
  if (it == o.end() || !it->is_number_integer()) {
    return Invalid(absl::StrCat("\"", key, "\" must be an integer"));
  }
  return it->get<int64_t>();
}

}  // namespace

std::string BackupPart::DirName() const {
  return shard < 0 ? name : absl::StrCat(name, "-shard-", shard);
}

int64_t BackupPart::Bytes() const {
  int64_t total = 0;
  for (const auto& f : files) total += f.size;
  return total;
}

absl::Status CheckRelativePath(absl::string_view path) {
  if (path.empty() || path.size() > 512) {
    return Invalid(absl::StrCat("a file path must have 1 to 512 bytes"));
  }
  if (path.front() == '/') return Invalid(absl::StrCat("absolute path: ", path));
  for (absl::string_view part : absl::StrSplit(path, '/')) {
    if (part.empty() || part == "." || part == "..") {
      return Invalid(absl::StrCat("path leaves its directory or is not plain: ", path));
    }
    for (char c : part) {
      if (c == '\0' || c == '\\') return Invalid("a path holds NUL or a backslash");
    }
  }
  return absl::OkStatus();
}

absl::Status CheckBackupId(absl::string_view id) {
  if (id.empty() || id.size() > 64 || id.front() == '-') {
    return absl::InvalidArgumentError(absl::StrCat("not a backup id: \"", id, "\""));
  }
  for (char c : id) {
    if (!absl::ascii_isalnum(c) && c != '-') {
      return absl::InvalidArgumentError(absl::StrCat("not a backup id: \"", id, "\""));
    }
  }
  return absl::OkStatus();
}

std::string ToJson(const BackupManifest& manifest) {
  json parts = json::array();
  for (const auto& part : manifest.parts) {
    json files = json::array();
    for (const auto& f : part.files) {
      files.push_back({{"path", f.path}, {"size", f.size}, {"sha256", f.sha256}});
    }
    json p = {{"name", part.name}, {"format", part.format}, {"source", part.source},
              {"files", std::move(files)}};
    if (part.shard >= 0) p["shard"] = part.shard;
    parts.push_back(std::move(p));
  }
  json out = {{"id", manifest.id},
              {"created", manifest.created},
              {"version", manifest.version},
              {"parts", std::move(parts)}};
  return out.dump(2) + "\n";
}

absl::StatusOr<BackupManifest> ParseManifest(absl::string_view text) {
  if (text.size() > kMaxManifestBytes) return Invalid("larger than 16 MiB");
  // Depth is bounded by the schema below; nlohmann's parser is recursive, so
  // refuse deep nesting before it sees it.
  int depth = 0;
  for (char c : text) {
    if (c == '[' || c == '{') {
      if (++depth > 8) return Invalid("nested too deeply");
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  json doc = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) return Invalid("not a JSON object");
  BackupManifest m;
  auto id = StringAt(doc, "id");
  if (!id.ok()) return id.status();
  if (absl::Status s = CheckBackupId(*id); !s.ok()) return Invalid(s.message());
  m.id = *id;
  auto created = StringAt(doc, "created");
  if (!created.ok()) return created.status();
  m.created = *created;
  auto version = StringAt(doc, "version");
  if (!version.ok()) return version.status();
  m.version = *version;
  auto parts = doc.find("parts");
  if (parts == doc.end() || !parts->is_array() || parts->empty()) {
    return Invalid("\"parts\" must be a non-empty array");
  }
  if (parts->size() > kMaxParts) return Invalid("too many parts");
  std::set<std::string> dirs;
  for (const json& p : *parts) {
    if (!p.is_object()) return Invalid("a part must be an object");
    BackupPart part;
    auto name = StringAt(p, "name");
    if (!name.ok()) return name.status();
    if (*name != "identity" && *name != "token" && *name != "audit") {
      return Invalid(absl::StrCat("unknown part \"", *name, "\""));
    }
    part.name = *name;
    if (p.contains("shard")) {
      auto shard = IntAt(p, "shard");
      if (!shard.ok()) return shard.status();
      if (*shard < 0 || *shard > 1023 || part.name != "identity") {
        return Invalid("only identity parts have a shard, 0 to 1023");
      }
      part.shard = static_cast<int>(*shard);
    }
    auto format = StringAt(p, "format");
    if (!format.ok()) return format.status();
    part.format = *format;
    auto source = StringAt(p, "source");
    if (!source.ok()) return source.status();
    part.source = *source;
    if (!dirs.insert(part.DirName()).second) {
      return Invalid(absl::StrCat("part ", part.DirName(), " appears twice"));
    }
    auto files = p.find("files");
    if (files == p.end() || !files->is_array() || files->empty()) {
      return Invalid(absl::StrCat("part ", part.DirName(), " has no files"));
    }
    if (files->size() > kMaxFilesPerPart) return Invalid("too many files");
    std::set<std::string> paths;
    for (const json& f : *files) {
      if (!f.is_object()) return Invalid("a file must be an object");
      BackupFile file;
      auto path = StringAt(f, "path");
      if (!path.ok()) return path.status();
      if (absl::Status s = CheckRelativePath(*path); !s.ok()) return s;
      if (!paths.insert(*path).second) {
        return Invalid(absl::StrCat("file ", *path, " appears twice"));
      }
      file.path = *path;
      auto size = IntAt(f, "size");
      if (!size.ok()) return size.status();
      if (*size < 0) return Invalid("a negative file size");
      file.size = *size;
      auto sha = StringAt(f, "sha256");
      if (!sha.ok()) return sha.status();
      if (!IsHexDigest(*sha)) return Invalid(absl::StrCat("bad sha256 for ", *path));
      file.sha256 = *sha;
      part.files.push_back(std::move(file));
    }
    m.parts.push_back(std::move(part));
  }
  return m;
}

}  // namespace scim::backup
