// PATCH bodies into PatchRequests (see patch_handler.h).
#include "edge/patch_handler.h"

#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "common/status.h"
#include "scim/json_codec.h"
#include "scim/patch.h"

namespace scim::edge {
namespace {

using json = Json;

constexpr char kPatchOpSchema[] = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

}  // namespace

bool ParsePatchBody(Call& call, v1::PatchRequest* request) {
  json body;
  if (!call.ParseBody(&body)) return false;
  if (!body.is_object()) {
    call.Error(400, scim_type::kInvalidSyntax, "the PATCH body must be a JSON object");
    return false;
  }
  json operations;  // null (refused below) unless the body has them
  for (const auto& [key, value] : body.items()) {
    if (absl::EqualsIgnoreCase(key, "schemas")) {
      if (!CheckMessageSchema(call, value, kPatchOpSchema)) return false;
    } else if (absl::EqualsIgnoreCase(key, "Operations")) {
      operations = value;
    }
  }
  absl::StatusOr<std::vector<PatchOp>> ops = ParsePatchOperations(operations);
  if (!ops.ok()) {
    call.Error(ops.status());
    return false;
  }
  for (const PatchOp& op : *ops) {
    v1::PatchOperation* out = request->add_operations();
    out->set_op(op.op);
    out->set_path(op.path);
    if (!op.value.is_null()) JsonToValue(op.value, out->mutable_value());
  }
  return true;
}

}  // namespace scim::edge
