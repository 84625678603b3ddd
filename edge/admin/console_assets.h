// The console's static files (edge/admin/console/), embedded in the binary
// at build time by embed_console.sh: no files to ship beside it, nothing
// fetched from elsewhere (the console works offline).
#ifndef SCIM_EDGE_ADMIN_CONSOLE_ASSETS_H_
#define SCIM_EDGE_ADMIN_CONSOLE_ASSETS_H_

#include <string_view>
#include <vector>

namespace scim::edge {

struct ConsoleAsset {
  const char* path;          // "/admin/console.js"
  const char* content_type;  // "text/javascript; charset=utf-8"
  std::string_view body;
};

const std::vector<ConsoleAsset>& ConsoleAssets();

}  // namespace scim::edge

#endif  // SCIM_EDGE_ADMIN_CONSOLE_ASSETS_H_
