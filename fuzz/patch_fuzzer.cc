// RFC 7644 §3.5.2 PATCH: a body's Operations parsed and applied to a fixed
// user and a fixed group (members handed to an external applier, as
// identity-service keeps them as edges), then validated and encoded. Each is
// applied twice: directly, and with the values through google.protobuf.Value
// as they cross gRPC from the edge. Input: a PatchOp body or its Operations
// array.
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "fuzz/fuzz_fixtures.h"
#include "google/protobuf/struct.pb.h"
#include "scim/filter_eval.h"
#include "scim/patch.h"
#include "scim/validation.h"

using namespace scim;

namespace {

std::vector<PatchOp> OverGrpc(std::vector<PatchOp> ops) {
  for (PatchOp& op : ops) {
    if (op.value.is_null()) continue;
    google::protobuf::Value value;
    JsonToValue(op.value, &value);
    op.value = JsonFromValue(value);
  }
  return ops;
}

absl::Status ApplyMembers(const ExternalPatch& patch) {
  if (patch.filter != nullptr) {
    for (const v1::ResourceReference& member : fuzz::FixedGroup().members()) {
      (void)MatchesElement(*patch.filter, member);
    }
  }
  for (const Json& value : patch.values) (void)fuzz::Dump(value);
  return absl::OkStatus();
}

template <typename M>
void Apply(const ResourceTypeSchema& type, const M& fixed,
           const std::vector<PatchOp>& ops, bool strict) {
  M resource = fixed;
  PatchOptions options;
  options.reject_unknown_attributes = strict;
  if (type.name == "Group") {
    options.external_attribute = "members";
    options.external = ApplyMembers;
  }
  if (!ApplyPatch(type, ops, &resource, options).ok()) return;
  ValidationOptions validation;
  validation.enforce_canonical_values = strict;
  (void)ValidateResource(type, resource, validation);
  (void)fuzz::Dump(EncodeResource(resource));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const Json body = fuzz::ParseJson(data, size);
  if (body.is_discarded()) return 0;
  Json operations = body;
  if (body.is_object()) {
    operations = Json();
    for (const auto& [key, value] : body.items()) {
      if (absl::EqualsIgnoreCase(key, "Operations")) operations = value;
    }
  }
  absl::StatusOr<std::vector<PatchOp>> ops = ParsePatchOperations(operations);
  if (!ops.ok()) return 0;
  const bool strict = size % 2 == 1;
  Apply(fuzz::UserType(), fuzz::FixedUser(), *ops, strict);
  Apply(fuzz::GroupType(), fuzz::FixedGroup(), *ops, strict);
  const std::vector<PatchOp> over_grpc = OverGrpc(*ops);
  Apply(fuzz::UserType(), fuzz::FixedUser(), over_grpc, strict);
  Apply(fuzz::GroupType(), fuzz::FixedGroup(), over_grpc, strict);
  return 0;
}
