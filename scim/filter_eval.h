// A filter bound to a resource type's schema: every attribute path resolved,
// every comparison value converted to the attribute's type (RFC 7644
// §3.4.2.2), ready to test resources.
#ifndef SCIM_SCIM_FILTER_EVAL_H_
#define SCIM_SCIM_FILTER_EVAL_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "google/protobuf/message.h"
#include "scim/attribute_resolver.h"
#include "scim/filter.h"

namespace scim {

struct BoundFilter {
  FilterNode::Kind kind = FilterNode::Kind::kCompare;
  CompareOp op = CompareOp::kEq;
  ResolvedAttribute attribute;
  bool is_null = false;  // `eq null` / `ne null`
  // The comparison value in the attribute's type; strings already folded
  // when the attribute is not caseExact.
  Scalar value;
  std::vector<BoundFilter> children;
};

class CompiledFilter {
 public:
  // Parses and binds; errors are 400 invalidFilter naming the problem.
  static absl::StatusOr<CompiledFilter> Compile(const ResourceTypeSchema& type,
                                                absl::string_view text);

  bool Matches(const google::protobuf::Message& resource) const;
  const BoundFilter& root() const { return root_; }
  // Canonical text, for binding cursors to their query.
  const std::string& canonical() const { return canonical_; }

 private:
  BoundFilter root_;
  std::string canonical_;
};

// The filter inside a PATCH value path (`emails[type eq "work"]`), bound in
// the scope of its multi-valued complex attribute `attribute`.
absl::StatusOr<BoundFilter> BindElementFilter(const ResourceTypeSchema& type,
                                              const ResolvedAttribute& attribute,
                                              const FilterNode& filter);
// Whether one element of that attribute satisfies it.
bool MatchesElement(const BoundFilter& filter,
                    const google::protobuf::Message& element);

// Whether `leaf` (one value) satisfies a comparison node.
bool CompareLeaf(const BoundFilter& node, const LeafValue& leaf);

// ASCII case folding as SCIM's caseExact=false requires for comparisons.
std::string FoldCase(absl::string_view s);

}  // namespace scim

#endif  // SCIM_SCIM_FILTER_EVAL_H_
