// RFC 7644 §3.4.2.2 filters and §3.5.2 attribute paths: the grammar, parsed
// into a tree. Binding to a schema and evaluation live in scim/filter_eval.h.
#ifndef SCIM_SCIM_FILTER_H_
#define SCIM_SCIM_FILTER_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "scim/json_codec.h"

namespace scim {

struct FilterNode;

// [urn ":"] attribute ["." sub] ["[" valueFilter "]" ["." sub]]
struct AttributePath {
  std::string urn;        // schema URN prefix, "" when none was given
  std::string attribute;  // top-level attribute name as written
  std::string sub_attribute;
  // PATCH value paths: `emails[type eq "work"].value`.
  std::shared_ptr<FilterNode> value_filter;

  // Canonical text (as written, URN included).
  std::string ToString() const;
};

enum class CompareOp { kEq, kNe, kCo, kSw, kEw, kGt, kGe, kLt, kLe };

struct FilterNode {
  enum class Kind { kAnd, kOr, kNot, kCompare, kPresent, kValuePath };
  Kind kind = Kind::kCompare;
  CompareOp op = CompareOp::kEq;
  AttributePath path;  // kCompare, kPresent, kValuePath
  Json value;          // kCompare: string, number, boolean or null
  // kAnd/kOr: two; kNot: one; kValuePath: the filter on the elements.
  std::vector<std::unique_ptr<FilterNode>> children;
  size_t position = 0;  // offset in the filter text, for error details
};

// Parses a filter; on error INVALID_ARGUMENT with scimType invalidFilter and
// a detail naming the position and the problem.
absl::StatusOr<std::unique_ptr<FilterNode>> ParseFilter(absl::string_view text);

// Parses a PATCH `path` or an `attributes`/`sortBy` name; errors carry
// scimType invalidPath.
absl::StatusOr<AttributePath> ParseAttributePath(absl::string_view text);

// Canonical, fully parenthesised text of a filter (tests, cursor binding).
std::string FilterToString(const FilterNode& node);

const char* CompareOpName(CompareOp op);

}  // namespace scim

#endif  // SCIM_SCIM_FILTER_H_
