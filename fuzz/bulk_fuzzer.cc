// POST /Bulk: the body parsed into a v1::BulkRequest (edge/bulk_request.h),
// serialized as gRPC would, and each operation's data decoded the way
// identity-service does for its path. Input: a BulkRequest body.
#include <string>

#include "absl/strings/match.h"
#include "edge/bulk_request.h"
#include "fuzz/fuzz_fixtures.h"
#include "scim/json_codec.h"

using namespace scim;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const Json body = fuzz::ParseJson(data, size);
  if (body.is_discarded()) return 0;
  absl::StatusOr<v1::BulkRequest> request = edge::ParseBulkRequest(body);
  if (!request.ok()) return 0;
  std::string wire;
  (void)request->SerializeToString(&wire);
  v1::BulkRequest received;
  (void)received.ParseFromString(wire);
  for (const v1::BulkOperation& op : received.operations()) {
    const Json json = op.has_data() ? JsonFromValue(op.data()) : Json();
    if (absl::StartsWithIgnoreCase(op.path(), "/Groups")) {
      v1::Group group;
      (void)DecodeResource(json, &group);
    } else {
      v1::User user;
      (void)DecodeResource(json, &user);
    }
  }
  return 0;
}
