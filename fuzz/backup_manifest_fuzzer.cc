// A backup's manifest (backup/backup_manifest.h) is read from a directory
// anyone may have written to. What parses must keep every path inside the
// backup and survive a round trip unchanged.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "backup/backup_manifest.h"

using namespace scim::backup;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  (void)CheckRelativePath(input);
  (void)CheckBackupId(input);
  auto manifest = ParseManifest(input);
  if (!manifest.ok()) return 0;
  auto fail = [&](const char* what) {
    std::fprintf(stderr, "%s: %s\n", what, input.c_str());
    std::abort();
  };
  if (!CheckBackupId(manifest->id).ok()) fail("accepted a bad id");
  for (const BackupPart& part : manifest->parts) {
    for (const BackupFile& file : part.files) {
      if (!CheckRelativePath(file.path).ok()) fail("accepted a path that leaves the backup");
      if (file.size < 0) fail("accepted a negative size");
    }
  }
  auto again = ParseManifest(ToJson(*manifest));
  if (!again.ok()) fail("its own output does not parse");
  if (ToJson(*again) != ToJson(*manifest)) fail("the round trip changed it");
  return 0;
}
