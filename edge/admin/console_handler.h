// Serves the console (/admin/ and its files) with the headers that keep it
// safe: a strict Content-Security-Policy (its own scripts and styles only,
// no inline code, no framing), no sniffing, no referrer.
#ifndef SCIM_EDGE_ADMIN_CONSOLE_HANDLER_H_
#define SCIM_EDGE_ADMIN_CONSOLE_HANDLER_H_

#include "edge/call.h"

namespace scim::edge {

inline constexpr char kConsoleCsp[] =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

// A GET of /admin, /admin/ or /admin/{file}.
void HandleConsole(Call& call);

}  // namespace scim::edge

#endif  // SCIM_EDGE_ADMIN_CONSOLE_HANDLER_H_
