#include "scim/sort_key.h"

#include <cstring>

#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "scim/filter_eval.h"

namespace scim {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

std::string BigEndian(uint64_t v) {
  std::string out(8, '\0');
  for (int i = 7; i >= 0; --i) {
    out[i] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
  return out;
}

std::string OrderedInt(int64_t v) {
  return BigEndian(static_cast<uint64_t>(v) ^ (uint64_t{1} << 63));
}

std::string OrderedDouble(double d) {
  uint64_t bits;
  std::memcpy(&bits, &d, sizeof(bits));
  // Negative numbers: flip all bits; positive: flip the sign bit.
  bits = (bits & (uint64_t{1} << 63)) ? ~bits : bits ^ (uint64_t{1} << 63);
  return BigEndian(bits);
}

bool IsPrimaryElement(const LeafValue& leaf) {
  const Message& m = *leaf.owner;
  const FieldDescriptor* primary = m.GetDescriptor()->FindFieldByName("primary");
  return primary != nullptr &&
         primary->cpp_type() == FieldDescriptor::CPPTYPE_BOOL &&
         !primary->is_repeated() && m.GetReflection()->GetBool(m, primary);
}

}  // namespace

absl::StatusOr<ResolvedAttribute> ResolveSortBy(const ResourceTypeSchema& type,
                                                absl::string_view sort_by) {
  ASSIGN_OR_RETURN(ResolvedAttribute resolved,
                   ResolvePathText(type, sort_by, scim_type::kInvalidValue));
  if (resolved.attribute == nullptr) {
    return InvalidValue(absl::StrCat("sortBy '", sort_by, "' is a schema, not an attribute"));
  }
  if (resolved.leaf().returned == Returned::kNever) {
    return InvalidValue(absl::StrCat("sortBy '", sort_by, "' is never returned and cannot be sorted on"));
  }
  if (resolved.leaf().type == AttributeType::kComplex) {
    // A multi-valued complex attribute sorts by its `value`.
    const AttributeSchema* value = resolved.leaf().FindSub("value");
    if (value == nullptr || resolved.sub != nullptr) {
      return InvalidValue(absl::StrCat("sortBy '", sort_by,
                                       "' is complex: name one of its sub-attributes"));
    }
    return ResolvePathText(type, absl::StrCat(sort_by, ".value"),
                           scim_type::kInvalidValue);
  }
  return resolved;
}

std::optional<std::string> SortKey(const Message& resource,
                                   const ResolvedAttribute& sort_by) {
  std::vector<LeafValue> values = ValuesAt(resource, sort_by);
  if (values.empty()) return std::nullopt;
  const LeafValue* chosen = &values[0];
  if (values.size() > 1) {
    for (const LeafValue& v : values) {
      if (IsPrimaryElement(v)) {
        chosen = &v;
        break;
      }
    }
  }
  Scalar s = ReadScalar(*chosen);
  switch (s.kind) {
    case Scalar::Kind::kString:
      return sort_by.leaf().case_exact ? s.s : FoldCase(s.s);
    case Scalar::Kind::kBool:
      return std::string(s.b ? "1" : "0");
    case Scalar::Kind::kInt:
      return OrderedInt(s.i);
    case Scalar::Kind::kTime: {
      // Seconds, then nanoseconds fixed-width: orders like the instants.
      const int64_t seconds = absl::ToUnixSeconds(s.t);
      const int64_t nanos =
          absl::ToInt64Nanoseconds(s.t - absl::FromUnixSeconds(seconds));
      return absl::StrCat(OrderedInt(seconds), absl::Dec(nanos, absl::kZeroPad9));
    }
    case Scalar::Kind::kDouble:
      return OrderedDouble(s.d);
    case Scalar::Kind::kMessage:
      break;
  }
  return std::nullopt;
}

}  // namespace scim
