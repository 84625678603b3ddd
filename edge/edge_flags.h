// Edge flags, shared by scim-edge and scimd.
#ifndef SCIM_EDGE_EDGE_FLAGS_H_
#define SCIM_EDGE_EDGE_FLAGS_H_

#include "edge/edge_server.h"

namespace scim::edge {

EdgeOptions EdgeOptionsFromFlags();

}  // namespace scim::edge

#endif  // SCIM_EDGE_EDGE_FLAGS_H_
