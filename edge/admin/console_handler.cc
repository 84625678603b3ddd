#include "edge/admin/console_handler.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "edge/admin/console_assets.h"
#include "httplib.h"

namespace scim::edge {

void HandleConsole(Call& call) {
  call.route = "/admin/";
  if (call.req.method != "GET" && call.req.method != "HEAD") {
    call.MethodNotAllowed("GET");
    return;
  }
  std::string path = call.req.path;
  if (path == "/admin") {
    call.res.status = 308;
    call.res.set_header("Location", "/admin/");
    return;
  }
  if (path == "/admin/") path = "/admin/index.html";
  for (const ConsoleAsset& asset : ConsoleAssets()) {
    if (path != asset.path) continue;
    call.res.set_header("Content-Security-Policy", kConsoleCsp);
    call.res.set_header("X-Content-Type-Options", "nosniff");
    call.res.set_header("Referrer-Policy", "no-referrer");
    call.res.set_header("X-Frame-Options", "DENY");
    call.res.set_header("Cache-Control", "no-cache");
    call.res.set_content(std::string(asset.body), asset.content_type);
    return;
  }
  call.Error(404, "", absl::StrCat("no such console file: ", call.req.path));
}

}  // namespace scim::edge
