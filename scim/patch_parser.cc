// The "Operations" array of a PATCH body: the one parser the edge and the
// tests use, before any operation is applied.
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "scim/limits.h"
#include "scim/patch.h"

namespace scim {

absl::Status CheckPatchOperationCount(size_t operations) {
  if (operations > static_cast<size_t>(kMaxPatchOperations)) {
    return ScimError(absl::StatusCode::kInvalidArgument, scim_type::kTooMany,
                     absl::StrCat("a PATCH holds at most ", kMaxPatchOperations,
                                  " operations (the limit), got ", operations));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<PatchOp>> ParsePatchOperations(
    const Json& operations) {
  if (!operations.is_array()) {
    return InvalidSyntax(
        "the PATCH body needs an \"Operations\" array (RFC 7644 §3.5.2)");
  }
  RETURN_IF_ERROR(CheckPatchOperationCount(operations.size()));
  std::vector<PatchOp> ops;
  for (const Json& op : operations) {
    if (!op.is_object()) {
      return InvalidSyntax(
          absl::StrCat("each operation must be an object, got ", op.dump()));
    }
    PatchOp& out = ops.emplace_back();
    for (const auto& [key, value] : op.items()) {
      const bool is_op = absl::EqualsIgnoreCase(key, "op");
      if (is_op || absl::EqualsIgnoreCase(key, "path")) {
        if (!value.is_string()) {
          return InvalidSyntax(absl::StrCat(
              "\"", key, "\" must be a string, got ", value.dump()));
        }
        (is_op ? out.op : out.path) = value.get<std::string>();
      } else if (absl::EqualsIgnoreCase(key, "value")) {
        out.value = value;
      }
    }
  }
  return ops;
}

}  // namespace scim
