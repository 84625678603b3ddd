// Manifests are read from disk that anyone may have touched: the parser
// takes only what CreateBackup could have written.
#include "backup/backup_manifest.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "gtest/gtest.h"

namespace scim::backup {
namespace {

const std::string kDigest(64, 'a');

BackupManifest Sample() {
  BackupManifest m;
  m.id = "20261202T070102Z-3fa9";
  m.created = "2026-12-02T07:01:02Z";
  m.version = "0.4.0";
  m.parts.push_back({"identity", 1, "identity 1", "10.0.0.1:50051",
                     {{"000012.sst", 123, kDigest}, {"CURRENT", 16, kDigest}}});
  m.parts.push_back({"token", -1, "token 1", "10.0.0.2:50051", {{"MANIFEST-000005", 7, kDigest}}});
  return m;
}

TEST(BackupManifestTest, RoundTrips) {
  auto parsed = ParseManifest(ToJson(Sample()));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(ToJson(*parsed), ToJson(Sample()));
  EXPECT_EQ(parsed->parts[0].DirName(), "identity-shard-1");
  EXPECT_EQ(parsed->parts[1].DirName(), "token");
  EXPECT_EQ(parsed->parts[0].Bytes(), 139);
}

TEST(BackupManifestTest, RefusesWhatCreateBackupCouldNotHaveWritten) {
  const std::string good = ToJson(Sample());
  struct Case {
    const char* what;
    std::string text;
  };
  const Case cases[] = {
      {"not JSON", "{"},
      {"an array", "[]"},
      {"empty", ""},
      {"path escapes", absl::StrReplaceAll(good, {{"000012.sst", "../../etc/passwd"}})},
      {"absolute path", absl::StrReplaceAll(good, {{"000012.sst", "/etc/passwd"}})},
      {"dot component", absl::StrReplaceAll(good, {{"000012.sst", "a/./b"}})},
      {"empty component", absl::StrReplaceAll(good, {{"000012.sst", "a//b"}})},
      {"backslash", absl::StrReplaceAll(good, {{"000012.sst", "a\\\\b"}})},
      {"duplicate file", absl::StrReplaceAll(good, {{"CURRENT", "000012.sst"}})},
      {"unknown part", absl::StrReplaceAll(good, {{"\"token\"", "\"secrets\""}})},
      {"bad digest", absl::StrReplaceAll(good, {{kDigest, "xyz"}})},
      {"upper-case digest", absl::StrReplaceAll(good, {{kDigest, std::string(64, 'A')}})},
      {"negative size", absl::StrReplaceAll(good, {{"123", "-123"}})},
      {"size as text", absl::StrReplaceAll(good, {{"123", "\"123\""}})},
      {"id with a slash", absl::StrReplaceAll(good, {{"20261202T070102Z-3fa9", "../x"}})},
      {"id starting with a dash", absl::StrReplaceAll(good, {{"20261202T070102Z-3fa9", "-x"}})},
      {"shard out of range", absl::StrReplaceAll(good, {{"\"shard\": 1", "\"shard\": 5000"}})},
      {"deep nesting", std::string(10000, '[')},
      {"no parts", R"({"id":"x","created":"","version":"","parts":[]})"},
      {"part without files",
       R"({"id":"x","created":"","version":"","parts":[{"name":"token","format":"","source":"","files":[]}]})"},
  };
  for (const Case& c : cases) {
    auto parsed = ParseManifest(c.text);
    EXPECT_FALSE(parsed.ok()) << c.what;
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument) << c.what;
  }
}

TEST(BackupManifestTest, DuplicatePartsAreRefused) {
  BackupManifest m = Sample();
  m.parts.push_back(m.parts[1]);
  EXPECT_FALSE(ParseManifest(ToJson(m)).ok());
  m = Sample();
  m.parts[1].shard = 2;  // only identity has shards
  EXPECT_FALSE(ParseManifest(ToJson(m)).ok());
}

TEST(BackupManifestTest, BackupIds) {
  EXPECT_TRUE(CheckBackupId("20261202T070102Z-3fa9").ok());
  for (const char* bad : {"", "-a", "a/b", "..", ".x", "a b", "a\nb"}) {
    EXPECT_FALSE(CheckBackupId(bad).ok()) << bad;
  }
  EXPECT_FALSE(CheckBackupId(std::string(65, 'a')).ok());
}

}  // namespace
}  // namespace scim::backup
