// The one attribute-path resolver (PATCH paths, attributes=, sortBy=): parse,
// resolve against the core User and Group types, read the values it names
// from a fixed user and group. Input: the path text.
#include <string>

#include "common/status.h"
#include "fuzz/fuzz_fixtures.h"
#include "scim/attribute_resolver.h"
#include "scim/filter.h"
#include "scim/sort_key.h"

using namespace scim;

namespace {

void ReadAll(const google::protobuf::Message& resource, const ResolvedAttribute& resolved) {
  for (const LeafValue& leaf : ValuesAt(resource, resolved)) (void)ReadScalar(leaf);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view text = fuzz::AsText(data, size);
  absl::StatusOr<AttributePath> path = ParseAttributePath(text);
  if (path.ok()) (void)path->ToString();

  absl::StatusOr<ResolvedAttribute> user =
      ResolvePathText(fuzz::UserType(), text, scim_type::kInvalidPath);
  if (user.ok()) ReadAll(fuzz::FixedUser(), *user);
  absl::StatusOr<ResolvedAttribute> group =
      ResolvePathText(fuzz::GroupType(), text, scim_type::kInvalidPath);
  if (group.ok()) ReadAll(fuzz::FixedGroup(), *group);

  (void)StringValuesAt(fuzz::UserType(), fuzz::FixedUser(), text);
  absl::StatusOr<ResolvedAttribute> sort = ResolveSortBy(fuzz::UserType(), text);
  if (sort.ok()) (void)SortKey(fuzz::FixedUser(), *sort);
  return 0;
}
