// Index key forms of attribute values: folded strings and encoded instants.
#include "identity-service/index_encoding.h"

#include <cstdint>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/status.h"
#include "scim/attribute_resolver.h"
#include "scim/filter_eval.h"

namespace scim::identity {

absl::StatusOr<IndexEncoding> EncodingOf(const IndexedAttribute& attribute,
                                         const AttributeSchema& leaf) {
  switch (leaf.type) {
    case AttributeType::kString:
    case AttributeType::kReference:
      return attribute.case_exact ? IndexEncoding::kExactString
                                  : IndexEncoding::kFoldedString;
    case AttributeType::kDateTime:
      return IndexEncoding::kInstant;
    default:
      // A declaration the store cannot keep: a bug, not a client error.
      return absl::InternalError(
          absl::StrCat("'", attribute.path, "' cannot be indexed: only string, "
                       "reference and dateTime attributes can"));
  }
}

absl::StatusOr<IndexEncoding> EncodingOf(const ResourceTypeSchema& schema,
                                         const IndexedAttribute& attribute) {
  ASSIGN_OR_RETURN(ResolvedAttribute resolved,
                   ResolvePathText(schema, attribute.path, scim_type::kInvalidPath));
  if (resolved.attribute == nullptr) {
    return absl::InternalError(
        absl::StrCat("'", attribute.path, "' is not an attribute to index"));
  }
  return EncodingOf(attribute, resolved.leaf());
}

std::string EncodingVersion(IndexEncoding encoding) {
  switch (encoding) {
    // /2: single-valued attributes have an entry for "no value".
    case IndexEncoding::kExactString: return "string/2";
    case IndexEncoding::kFoldedString: return "folded-string/2";
    case IndexEncoding::kInstant: return "instant-hex/2";
  }
  return "?";
}

std::string EncodeInstant(absl::Time t, bool* exact) {
  const int64_t seconds = absl::ToUnixSeconds(t);  // rounds toward the past
  const absl::Duration fraction = t - absl::FromUnixSeconds(seconds);
  const int64_t nanos = absl::ToInt64Nanoseconds(fraction);  // [0, 1e9)
  if (exact != nullptr) *exact = fraction == absl::Nanoseconds(nanos);
  return absl::StrFormat("%016x%08x",
                         static_cast<uint64_t>(seconds) ^ (uint64_t{1} << 63),
                         static_cast<uint32_t>(nanos));
}

absl::StatusOr<std::vector<std::string>> IndexValuesAt(
    const ResourceTypeSchema& schema, const google::protobuf::Message& resource,
    const IndexedAttribute& attribute) {
  ASSIGN_OR_RETURN(ResolvedAttribute resolved,
                   ResolvePathText(schema, attribute.path, scim_type::kInvalidPath));
  if (resolved.attribute == nullptr) {
    return absl::InternalError(
        absl::StrCat("'", attribute.path, "' is not an attribute to index"));
  }
  ASSIGN_OR_RETURN(const IndexEncoding encoding,
                   EncodingOf(attribute, resolved.leaf()));
  std::vector<std::string> out;
  for (const LeafValue& leaf : ValuesAt(resource, resolved)) {
    Scalar value = ReadScalar(leaf);
    if (encoding == IndexEncoding::kInstant && value.kind == Scalar::Kind::kTime) {
      out.push_back(EncodeInstant(value.t));
    } else if (encoding != IndexEncoding::kInstant &&
               value.kind == Scalar::Kind::kString) {
      out.push_back(encoding == IndexEncoding::kFoldedString ? FoldCase(value.s)
                                                            : std::move(value.s));
    } else {
      return absl::InternalError(absl::StrCat(
          "'", attribute.path, "' is not stored as its schema type says"));
    }
    if (absl::StartsWith(out.back(), kAbsentIndexValue)) {
      // Not UTF-8: it would sort among the resources without a value.
      return absl::InternalError(
          absl::StrCat("'", attribute.path, "' holds a value that is not UTF-8"));
    }
  }
  if (out.empty() && !resolved.multi_valued()) out.emplace_back(kAbsentIndexValue);
  return out;
}

}  // namespace scim::identity
