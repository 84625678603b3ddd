#include "scim/filter_eval.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "absl/time/time.h"

namespace scim {
namespace {

using google::protobuf::Message;

absl::Status Invalid(const FilterNode& node, absl::string_view problem) {
  return ScimError(absl::StatusCode::kInvalidArgument, scim_type::kInvalidFilter,
                   absl::StrCat("invalid filter at position ", node.position + 1,
                                ": ", problem));
}

const char* TypeName(AttributeType t) {
  switch (t) {
    case AttributeType::kString: return "string";
    case AttributeType::kBoolean: return "boolean";
    case AttributeType::kDecimal: return "decimal";
    case AttributeType::kInteger: return "integer";
    case AttributeType::kDateTime: return "dateTime";
    case AttributeType::kReference: return "reference";
    case AttributeType::kBinary: return "binary";
    case AttributeType::kComplex: return "complex";
  }
  return "?";
}

bool IsOrdering(CompareOp op) {
  return op == CompareOp::kGt || op == CompareOp::kGe || op == CompareOp::kLt ||
         op == CompareOp::kLe;
}
bool IsSubstring(CompareOp op) {
  return op == CompareOp::kCo || op == CompareOp::kSw || op == CompareOp::kEw;
}

// Converts the literal of `node` to the type of `attr`.
absl::Status BindValue(const FilterNode& node, const AttributeSchema& attr,
                       BoundFilter* out) {
  const Json& v = node.value;
  const std::string name = node.path.ToString();
  if (v.is_null()) {
    if (node.op != CompareOp::kEq && node.op != CompareOp::kNe) {
      return Invalid(node, absl::StrCat("'", CompareOpName(node.op),
                                        "' cannot compare with null"));
    }
    out->is_null = true;
    return absl::OkStatus();
  }
  auto mismatch = [&](absl::string_view expected) {
    return Invalid(node, absl::StrCat("'", name, "' is ", TypeName(attr.type),
                                      ", so its comparison value must be ",
                                      expected, ", got ",
                                      v.dump(-1, ' ', false, Json::error_handler_t::replace)));
  };
  switch (attr.type) {
    case AttributeType::kString:
    case AttributeType::kReference:
    case AttributeType::kBinary:
      if (attr.type == AttributeType::kBinary && IsOrdering(node.op)) {
        return Invalid(node, absl::StrCat("'", CompareOpName(node.op),
                                          "' is not defined for binary '", name, "'"));
      }
      if (!v.is_string()) return mismatch("a string");
      out->value.kind = Scalar::Kind::kString;
      out->value.s = attr.case_exact ? v.get<std::string>()
                                     : FoldCase(v.get<std::string>());
      return absl::OkStatus();
    case AttributeType::kBoolean:
      if (node.op != CompareOp::kEq && node.op != CompareOp::kNe) {
        return Invalid(node, absl::StrCat("'", CompareOpName(node.op),
                                          "' is not defined for boolean '", name,
                                          "' (use eq, ne or pr)"));
      }
      out->value.kind = Scalar::Kind::kBool;
      if (v.is_boolean()) {
        out->value.b = v.get<bool>();
      } else if (v.is_string() && absl::EqualsIgnoreCase(v.get<std::string>(), "true")) {
        out->value.b = true;
      } else if (v.is_string() && absl::EqualsIgnoreCase(v.get<std::string>(), "false")) {
        out->value.b = false;
      } else {
        return mismatch("true or false");
      }
      return absl::OkStatus();
    case AttributeType::kInteger:
    case AttributeType::kDecimal: {
      if (IsSubstring(node.op)) {
        return Invalid(node, absl::StrCat("'", CompareOpName(node.op),
                                          "' is not defined for numeric '", name, "'"));
      }
      double d = 0;
      if (v.is_number()) {
        d = v.get<double>();
      } else if (!v.is_string() || !absl::SimpleAtod(v.get<std::string>(), &d)) {
        return mismatch("a number");
      }
      out->value.kind = attr.type == AttributeType::kInteger ? Scalar::Kind::kInt
                                                            : Scalar::Kind::kDouble;
      // Compared as doubles only (CompareLeaf); no cast of a hostile 1e300.
      out->value.d = d;
      return absl::OkStatus();
    }
    case AttributeType::kDateTime: {
      if (IsSubstring(node.op)) {
        return Invalid(node, absl::StrCat("'", CompareOpName(node.op),
                                          "' is not defined for dateTime '", name,
                                          "' (use eq, ne, gt, ge, lt, le or pr)"));
      }
      // An instant (RFC 3339 §5.6: offset required, fraction optional), so
      // that "…T12:00:00+02:00" equals "…T10:00:00.000Z".
      std::string error;
      if (!v.is_string() || !absl::ParseTime(absl::RFC3339_full, v.get<std::string>(),
                                             &out->value.t, &error)) {
        return mismatch("an RFC 3339 dateTime string such as \"2024-01-31T12:00:00Z\"");
      }
      out->value.kind = Scalar::Kind::kTime;
      return absl::OkStatus();
    }
    case AttributeType::kComplex:
      break;
  }
  return Invalid(node, absl::StrCat("'", name,
                                    "' is complex: compare one of its sub-attributes"));
}

absl::Status Bind(const FilterNode& node, const ResolveScope& scope,
                  BoundFilter* out) {
  out->kind = node.kind;
  out->op = node.op;
  switch (node.kind) {
    case FilterNode::Kind::kAnd:
    case FilterNode::Kind::kOr:
    case FilterNode::Kind::kNot:
      for (const auto& child : node.children) {
        out->children.emplace_back();
        RETURN_IF_ERROR(Bind(*child, scope, &out->children.back()));
      }
      return absl::OkStatus();
    default:
      break;
  }
  auto resolved = ResolvePath(scope, node.path, scim_type::kInvalidFilter);
  if (!resolved.ok()) return Invalid(node, resolved.status().message());
  if (resolved->attribute != nullptr &&
      resolved->leaf().returned == Returned::kNever) {
    return Invalid(node, absl::StrCat("'", node.path.ToString(),
                                      "' is never returned and cannot be filtered on"));
  }
  if (resolved->attribute == nullptr) {
    if (node.kind == FilterNode::Kind::kPresent) {
      out->attribute = std::move(*resolved);
      return absl::OkStatus();
    }
    return Invalid(node, absl::StrCat("'", node.path.ToString(),
                                      "' is a schema, not an attribute"));
  }
  if (node.kind == FilterNode::Kind::kValuePath) {
    const AttributeSchema& attr = resolved->leaf();
    if (attr.type != AttributeType::kComplex || !attr.multi_valued ||
        resolved->sub != nullptr) {
      return Invalid(node, absl::StrCat("'", node.path.ToString(),
                                        "' is not a multi-valued complex attribute, "
                                        "so it takes no '[...]' filter"));
    }
    ResolveScope inner{scope.resource_type, &attr,
                       resolved->fields.back()->message_type()};
    out->attribute = std::move(*resolved);
    out->children.emplace_back();
    return Bind(*node.children[0], inner, &out->children.back());
  }
  // `emails eq "x"` compares the `value` sub-attribute (RFC 7643 §2.4).
  if (resolved->sub == nullptr &&
      resolved->attribute->type == AttributeType::kComplex &&
      resolved->attribute->multi_valued && node.kind == FilterNode::Kind::kCompare) {
    AttributePath value_path = node.path;
    value_path.sub_attribute = "value";
    auto with_value = ResolvePath(scope, value_path, scim_type::kInvalidFilter);
    if (with_value.ok()) resolved = std::move(with_value);
  }
  out->attribute = std::move(*resolved);
  if (node.kind == FilterNode::Kind::kPresent) return absl::OkStatus();
  return BindValue(node, out->attribute.leaf(), out);
}

template <typename T>
bool Ordered(CompareOp op, const T& a, const T& b) {
  switch (op) {
    case CompareOp::kEq: return a == b;
    case CompareOp::kNe: return !(a == b);
    case CompareOp::kGt: return a > b;
    case CompareOp::kGe: return a >= b;
    case CompareOp::kLt: return a < b;
    case CompareOp::kLe: return a <= b;
    default: return false;
  }
}

bool IsEmptyValue(const LeafValue& leaf) {
  Scalar s = ReadScalar(leaf);
  return s.kind == Scalar::Kind::kString && s.s.empty();
}

bool Evaluate(const BoundFilter& node, const Message& m) {
  switch (node.kind) {
    case FilterNode::Kind::kAnd:
      return Evaluate(node.children[0], m) && Evaluate(node.children[1], m);
    case FilterNode::Kind::kOr:
      return Evaluate(node.children[0], m) || Evaluate(node.children[1], m);
    case FilterNode::Kind::kNot:
      return !Evaluate(node.children[0], m);
    case FilterNode::Kind::kPresent: {
      // RFC 7644: present = has a non-empty, non-null value.
      for (const LeafValue& leaf : ValuesAt(m, node.attribute)) {
        if (!IsEmptyValue(leaf)) return true;
      }
      return false;
    }
    case FilterNode::Kind::kValuePath: {
      // Some element must satisfy the whole inner filter.
      const auto& fields = node.attribute.fields;
      ResolvedAttribute parent = node.attribute;
      for (const LeafValue& element : ValuesAt(m, parent)) {
        const auto* r = element.owner->GetReflection();
        const Message& e = element.index >= 0
                               ? r->GetRepeatedMessage(*element.owner,
                                                       fields.back(), element.index)
                               : r->GetMessage(*element.owner, fields.back());
        if (Evaluate(node.children[0], e)) return true;
      }
      return false;
    }
    case FilterNode::Kind::kCompare: {
      std::vector<LeafValue> values = ValuesAt(m, node.attribute);
      if (node.is_null) {
        bool present = false;
        for (const LeafValue& leaf : values) present |= !IsEmptyValue(leaf);
        return node.op == CompareOp::kEq ? !present : present;
      }
      if (node.op == CompareOp::kNe) {
        // "Does not have this value": no value equals it.
        BoundFilter eq = node;
        eq.op = CompareOp::kEq;
        for (const LeafValue& leaf : values) {
          if (CompareLeaf(eq, leaf)) return false;
        }
        return true;
      }
      for (const LeafValue& leaf : values) {
        if (CompareLeaf(node, leaf)) return true;
      }
      return false;
    }
  }
  return false;
}

}  // namespace

std::string FoldCase(absl::string_view s) { return absl::AsciiStrToLower(s); }

bool CompareLeaf(const BoundFilter& node, const LeafValue& leaf) {
  Scalar actual = ReadScalar(leaf);
  const Scalar& want = node.value;
  switch (want.kind) {
    case Scalar::Kind::kString: {
      if (actual.kind != Scalar::Kind::kString) return false;
      const std::string a = node.attribute.leaf().case_exact ? actual.s
                                                              : FoldCase(actual.s);
      switch (node.op) {
        case CompareOp::kCo: return absl::StrContains(a, want.s);
        case CompareOp::kSw: return absl::StartsWith(a, want.s);
        case CompareOp::kEw: return absl::EndsWith(a, want.s);
        default: return Ordered(node.op, a, want.s);
      }
    }
    case Scalar::Kind::kBool:
      return actual.kind == Scalar::Kind::kBool && Ordered(node.op, actual.b, want.b);
    case Scalar::Kind::kInt:
    case Scalar::Kind::kDouble: {
      double a = actual.kind == Scalar::Kind::kDouble ? actual.d
                                                      : static_cast<double>(actual.i);
      return Ordered(node.op, a, want.d);
    }
    case Scalar::Kind::kTime:
      return actual.kind == Scalar::Kind::kTime && Ordered(node.op, actual.t, want.t);
    case Scalar::Kind::kMessage:
      return false;
  }
  return false;
}

absl::StatusOr<CompiledFilter> CompiledFilter::Compile(
    const ResourceTypeSchema& type, absl::string_view text) {
  ASSIGN_OR_RETURN(std::unique_ptr<FilterNode> parsed, ParseFilter(text));
  CompiledFilter out;
  RETURN_IF_ERROR(Bind(*parsed, {&type, nullptr, nullptr}, &out.root_));
  out.canonical_ = FilterToString(*parsed);
  return out;
}

bool CompiledFilter::Matches(const Message& resource) const {
  return Evaluate(root_, resource);
}

absl::StatusOr<BoundFilter> BindElementFilter(const ResourceTypeSchema& type,
                                              const ResolvedAttribute& attribute,
                                              const FilterNode& filter) {
  const google::protobuf::FieldDescriptor* field = nullptr;
  for (const auto* f : attribute.fields) {
    if (f->is_repeated()) field = f;
  }
  if (attribute.attribute == nullptr || field == nullptr ||
      field->message_type() == nullptr ||
      attribute.attribute->type != AttributeType::kComplex) {
    return ScimError(absl::StatusCode::kInvalidArgument, scim_type::kInvalidPath,
                     absl::StrCat("'", attribute.canonical,
                                  "' is not a multi-valued complex attribute, so "
                                  "it takes no '[...]' filter"));
  }
  BoundFilter out;
  RETURN_IF_ERROR(Bind(filter, {&type, attribute.attribute, field->message_type()},
                       &out));
  return out;
}

bool MatchesElement(const BoundFilter& filter, const Message& element) {
  return Evaluate(filter, element);
}

}  // namespace scim
