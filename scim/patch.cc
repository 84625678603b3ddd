// RFC 7644 §3.5.2 operations applied to a message (see patch.h). Over 400
// lines for a reason: one Patcher class holds the state every kind of
// operation shares (type, options, target, decode rules); its value helpers
// are in patch_values.h and the body parser in patch_parser.cc.
#include "scim/patch.h"

#include <algorithm>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "scim/attribute_resolver.h"
#include "scim/filter.h"
#include "scim/limits.h"
#include "scim/patch_values.h"

namespace scim {
namespace {



using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

// Element `i` of the repeated scalar `field`, as a key for equality.
std::string ScalarKey(const Message& m, const FieldDescriptor* field, int i) {
  const Reflection* r = m.GetReflection();
  switch (field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING: return r->GetRepeatedString(m, field, i);
    case FieldDescriptor::CPPTYPE_BOOL: return r->GetRepeatedBool(m, field, i) ? "t" : "f";
    case FieldDescriptor::CPPTYPE_INT32: return absl::StrCat(r->GetRepeatedInt32(m, field, i));
    case FieldDescriptor::CPPTYPE_INT64: return absl::StrCat(r->GetRepeatedInt64(m, field, i));
    case FieldDescriptor::CPPTYPE_UINT32: return absl::StrCat(r->GetRepeatedUInt32(m, field, i));
    case FieldDescriptor::CPPTYPE_UINT64: return absl::StrCat(r->GetRepeatedUInt64(m, field, i));
    case FieldDescriptor::CPPTYPE_DOUBLE: return absl::StrCat(r->GetRepeatedDouble(m, field, i));
    case FieldDescriptor::CPPTYPE_FLOAT: return absl::StrCat(r->GetRepeatedFloat(m, field, i));
    case FieldDescriptor::CPPTYPE_ENUM: return absl::StrCat(r->GetRepeatedEnumValue(m, field, i));
    default: return "";
  }
}

// Appends element `i` of the repeated scalar `field` of `from` to `to`.
void AppendScalar(const Message& from, const FieldDescriptor* field, int i, Message* to) {
  const Reflection* f = from.GetReflection();
  const Reflection* t = to->GetReflection();
  switch (field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING: t->AddString(to, field, f->GetRepeatedString(from, field, i)); break;
    case FieldDescriptor::CPPTYPE_BOOL: t->AddBool(to, field, f->GetRepeatedBool(from, field, i)); break;
    case FieldDescriptor::CPPTYPE_INT32: t->AddInt32(to, field, f->GetRepeatedInt32(from, field, i)); break;
    case FieldDescriptor::CPPTYPE_INT64: t->AddInt64(to, field, f->GetRepeatedInt64(from, field, i)); break;
    case FieldDescriptor::CPPTYPE_UINT32: t->AddUInt32(to, field, f->GetRepeatedUInt32(from, field, i)); break;
    case FieldDescriptor::CPPTYPE_UINT64: t->AddUInt64(to, field, f->GetRepeatedUInt64(from, field, i)); break;
    case FieldDescriptor::CPPTYPE_DOUBLE: t->AddDouble(to, field, f->GetRepeatedDouble(from, field, i)); break;
    case FieldDescriptor::CPPTYPE_FLOAT: t->AddFloat(to, field, f->GetRepeatedFloat(from, field, i)); break;
    case FieldDescriptor::CPPTYPE_ENUM: t->AddEnumValue(to, field, f->GetRepeatedEnumValue(from, field, i)); break;
    default: break;
  }
}

absl::Status Error(const char* scim_type, absl::string_view detail) {
  return ScimError(absl::StatusCode::kInvalidArgument, scim_type, detail);
}

const char* KindName(PatchKind kind) {
  switch (kind) {
    case PatchKind::kAdd: return "add";
    case PatchKind::kReplace: return "replace";
    case PatchKind::kRemove: return "remove";
  }
  return "?";
}

class Patcher {
 public:
  Patcher(const ResourceTypeSchema& type, const PatchOptions& options,
          Message* resource)
      : type_(type), options_(options), resource_(resource) {
    decode_.reject_unknown_attributes = options.reject_unknown_attributes;
  }

  absl::Status Apply(const PatchOp& op) {
    const std::string name = absl::AsciiStrToLower(op.op);
    PatchKind kind;
    if (name == "add") {
      kind = PatchKind::kAdd;
    } else if (name == "replace") {
      kind = PatchKind::kReplace;
    } else if (name == "remove") {
      kind = PatchKind::kRemove;
    } else {
      return Error(scim_type::kInvalidSyntax,
                   absl::StrCat("\"op\" must be add, replace or remove, got \"",
                                op.op, "\""));
    }
    if (op.path.empty()) return ApplyNoPath(kind, op.value);
    absl::StatusOr<AttributePath> path = ParseAttributePath(op.path);
    if (!path.ok()) {
      return Error(scim_type::kInvalidPath, path.status().message());
    }
    if (kind != PatchKind::kRemove && op.value.is_null()) {
      return Error(scim_type::kInvalidValue,
                   absl::StrCat("\"", KindName(kind), "\" needs a \"value\""));
    }
    return ApplyPath(kind, *path, op.value, /*lenient=*/false);
  }

 private:
  // RFC 7644 §3.5.2.1/3: the value holds attributes of the resource; keys may
  // be paths themselves ("name.givenName", "urn:…:User:department").
  absl::Status ApplyNoPath(PatchKind kind, const Json& value) {
    if (kind == PatchKind::kRemove) {
      return Error(scim_type::kNoTarget, "\"remove\" needs a \"path\"");
    }
    if (!value.is_object()) {
      return Error(scim_type::kInvalidValue,
                   "without a \"path\", \"value\" must be an object of attributes");
    }
    for (const auto& [key, v] : value.items()) {
      if (absl::EqualsIgnoreCase(key, "schemas")) continue;
      absl::StatusOr<AttributePath> path = ParseAttributePath(key);
      if (!path.ok()) {
        if (!options_.reject_unknown_attributes) continue;
        return Error(scim_type::kInvalidPath, path.status().message());
      }
      RETURN_IF_ERROR(ApplyPath(kind, *path, v, /*lenient=*/true));
    }
    return absl::OkStatus();
  }

  // `lenient`: the path came from a no-path value's key, where unknown and
  // read-only attributes are ignored as on POST.
  absl::Status ApplyPath(PatchKind kind, const AttributePath& path,
                         const Json& value, bool lenient) {
    absl::StatusOr<ResolvedAttribute> resolved =
        ResolvePath({&type_, nullptr, nullptr}, path, scim_type::kInvalidPath);
    if (!resolved.ok()) {
      if (lenient && !options_.reject_unknown_attributes) return absl::OkStatus();
      return resolved.status();
    }
    if (resolved->attribute == nullptr) {
      return ApplyExtension(kind, *resolved, value);
    }
    const AttributeSchema& top = *resolved->attribute;
    const AttributeSchema& leaf = resolved->leaf();
    if (top.mutability == Mutability::kReadOnly ||
        leaf.mutability == Mutability::kReadOnly) {
      if (lenient) return absl::OkStatus();
      return Error(scim_type::kMutability,
                   absl::StrCat("'", resolved->canonical, "' is readOnly"));
    }
    if (!options_.external_attribute.empty() &&
        absl::EqualsIgnoreCase(top.name, options_.external_attribute) &&
        resolved->fields.size() == 1) {
      return ApplyExternal(kind, path, *resolved, value);
    }
    if (leaf.mutability == Mutability::kImmutable &&
        !ValuesAt(*resource_, *resolved).empty()) {
      return Error(scim_type::kMutability,
                   absl::StrCat("'", resolved->canonical,
                                "' is immutable and already has a value"));
    }
    const auto& fields = resolved->fields;
    size_t repeated = fields.size();
    for (size_t i = 0; i < fields.size(); ++i) {
      if (fields[i]->is_repeated()) {
        repeated = i;
        break;
      }
    }
    if (repeated == fields.size()) {
      if (path.value_filter != nullptr) {
        return Error(scim_type::kInvalidPath,
                     absl::StrCat("'", resolved->canonical,
                                  "' is single-valued and takes no filter"));
      }
      return ApplySingular(kind, *resolved, value);
    }
    return ApplyMultiValued(kind, path, *resolved, repeated, value);
  }

  // A path naming a whole extension schema: its value is an object of the
  // extension's attributes.
  absl::Status ApplyExtension(PatchKind kind, const ResolvedAttribute& resolved,
                              const Json& value) {
    const Reflection* r = resource_->GetReflection();
    if (kind == PatchKind::kRemove) {
      r->ClearField(resource_, resolved.extension);
      return absl::OkStatus();
    }
    if (!value.is_object()) {
      return Error(scim_type::kInvalidValue,
                   absl::StrCat("'", resolved.canonical,
                                "' takes an object of its attributes"));
    }
    for (const auto& [key, v] : value.items()) {
      absl::StatusOr<AttributePath> path =
          ParseAttributePath(absl::StrCat(resolved.canonical, ":", key));
      if (!path.ok()) {
        if (!options_.reject_unknown_attributes) continue;
        return Error(scim_type::kInvalidPath, path.status().message());
      }
      RETURN_IF_ERROR(ApplyPath(kind, *path, v, /*lenient=*/true));
    }
    return absl::OkStatus();
  }

  absl::Status ApplyExternal(PatchKind kind, const AttributePath& path,
                             const ResolvedAttribute& resolved,
                             const Json& value) {
    RETURN_IF_ERROR(CheckValueCount(resolved, value));
    ExternalPatch patch;
    patch.kind = kind;
    std::optional<BoundFilter> filter;
    if (path.value_filter != nullptr) {
      ASSIGN_OR_RETURN(filter, BindElementFilter(type_, resolved, *path.value_filter));
      patch.filter = &*filter;
      std::vector<std::string> values;
      if (CollectEqValues(*filter, &values)) patch.filter_values = std::move(values);
    }
    if (value.is_array()) {
      patch.values = value;
    } else if (value.is_object()) {
      patch.values.push_back(value);
    } else if (!value.is_null()) {
      return Error(scim_type::kInvalidValue,
                   absl::StrCat("'", resolved.canonical,
                                "' takes an array of objects such as "
                                "[{\"value\": \"<id>\"}], got ", value.dump()));
    }
    for (const Json& element : patch.values) {
      if (!element.is_object()) {
        return Error(scim_type::kInvalidValue,
                     absl::StrCat("each '", resolved.canonical,
                                  "' value must be an object such as "
                                  "{\"value\": \"<id>\"}, got ", element.dump()));
      }
    }
    if (!options_.external) {
      return absl::InternalError("no handler for an external attribute");
    }
    return options_.external(patch);
  }

  absl::Status ApplySingular(PatchKind kind, const ResolvedAttribute& resolved,
                             const Json& value) {
    const auto& fields = resolved.fields;
    Message* parent = resource_;
    for (size_t i = 0; i + 1 < fields.size(); ++i) {
      const Reflection* r = parent->GetReflection();
      if (kind == PatchKind::kRemove && !r->HasField(*parent, fields[i])) {
        return absl::OkStatus();
      }
      parent = r->MutableMessage(parent, fields[i]);
    }
    const FieldDescriptor* field = fields.back();
    if (kind == PatchKind::kRemove || value.is_null()) {
      parent->GetReflection()->ClearField(parent, field);
      PruneEmpty(resource_, fields, 0);
      return absl::OkStatus();
    }
    if (field->message_type() != nullptr) {
      Json object = ComplexValue(field, value);
      if (!object.is_object()) {
        return Error(scim_type::kInvalidValue,
                     absl::StrCat("'", resolved.canonical,
                                  "' is complex and takes an object, got ",
                                  value.dump()));
      }
      return MergeFromJson(parent->GetReflection()->MutableMessage(parent, field),
                           object, decode_);
    }
    return SetFromJson(parent, field, value, decode_);
  }

  absl::Status ApplyMultiValued(PatchKind kind, const AttributePath& path,
                                const ResolvedAttribute& resolved,
                                size_t repeated, const Json& value) {
    RETURN_IF_ERROR(CheckValueCount(resolved, value));
    const auto& fields = resolved.fields;
    Message* holder = resource_;
    for (size_t i = 0; i < repeated; ++i) {
      const Reflection* r = holder->GetReflection();
      if (kind == PatchKind::kRemove && !r->HasField(*holder, fields[i])) {
        return absl::OkStatus();
      }
      holder = r->MutableMessage(holder, fields[i]);
    }
    const FieldDescriptor* list = fields[repeated];
    const FieldDescriptor* sub =
        repeated + 1 < fields.size() ? fields[repeated + 1] : nullptr;
    const Reflection* r = holder->GetReflection();
    if (list->message_type() == nullptr) {
      // A multi-valued simple attribute: remove clears it, replace swaps
      // it, add appends the values it does not hold yet (RFC 7644
      // §3.5.2.1), found by key: not a compare per pair.
      if (kind != PatchKind::kAdd) {
        return SetFromJson(holder, list, kind == PatchKind::kRemove ? Json() : value,
                           decode_);
      }
      std::unique_ptr<Message> temp(holder->New());
      RETURN_IF_ERROR(SetFromJson(temp.get(), list,
                                  value.is_array() ? value : Json::array({value}), decode_));
      absl::flat_hash_set<std::string> present;
      for (int i = 0; i < r->FieldSize(*holder, list); ++i) {
        present.insert(ScalarKey(*holder, list, i));
      }
      for (int i = 0; i < temp->GetReflection()->FieldSize(*temp, list); ++i) {
        if (present.insert(ScalarKey(*temp, list, i)).second) {
          AppendScalar(*temp, list, i, holder);
        }
      }
      return absl::OkStatus();
    }
    std::optional<BoundFilter> filter;
    if (path.value_filter != nullptr) {
      ASSIGN_OR_RETURN(filter, BindElementFilter(type_, resolved, *path.value_filter));
    }
    std::vector<int> matched;
    for (int i = 0; i < r->FieldSize(*holder, list); ++i) {
      if (!filter || MatchesElement(*filter, r->GetRepeatedMessage(*holder, list, i))) {
        matched.push_back(i);
      }
    }
    if (kind == PatchKind::kRemove) {
      return Remove(holder, list, sub, filter.has_value(), matched, value,
                    resolved, path);
    }
    std::vector<int> touched;
    if (sub == nullptr && !filter) {
      // The whole attribute: replace swaps the list, add merges into it.
      Json elements = value.is_array() ? value : Json::array({value});
      std::unique_ptr<Message> temp(holder->New());
      RETURN_IF_ERROR(SetFromJson(temp.get(), list, elements, decode_));
      if (kind == PatchKind::kReplace) r->ClearField(holder, list);
      // Each new element merges into the first old one with the same value
      // (ValueKey), found by key: 20,000 emails are not 20,000² compares.
      absl::flat_hash_map<std::string, int> index;
      for (int j = 0; j < r->FieldSize(*holder, list); ++j) {
        index.emplace(ValueKey(r->GetRepeatedMessage(*holder, list, j)), j);
      }
      const Reflection* tr = temp->GetReflection();
      for (int i = 0; i < tr->FieldSize(*temp, list); ++i) {
        const Message& element = tr->GetRepeatedMessage(*temp, list, i);
        auto [it, added] =
            index.emplace(ValueKey(element), r->FieldSize(*holder, list));
        if (!added) {
          r->MutableRepeatedMessage(holder, list, it->second)->MergeFrom(element);
          touched.push_back(it->second);
        } else {
          r->AddMessage(holder, list)->CopyFrom(element);
          touched.push_back(it->second);
        }
      }
    } else {
      if (matched.empty()) {
        // Nothing matched: add the element the filter describes (Entra sends
        // replace on addresses[type eq "work"].streetAddress for a user
        // without a work address).
        // Only a filter of `eq` terms joined by `and` defines that element;
        // `type eq "work" or type eq "home"` does not say which to create
        // (RFC 7644 §3.5.2.1: noTarget).
        Json seed = Json::object();
        if (filter && !SeedFromFilter(*path.value_filter, &seed)) {
          return Error(scim_type::kNoTarget,
                       absl::StrCat("no value of '", resolved.attribute->name,
                                    "' matches '", path.ToString(),
                                    "', and the filter does not define a new one "
                                    "(only eq comparisons joined by 'and' do)"));
        }
        Message* element = r->AddMessage(holder, list);
        if (!seed.empty()) RETURN_IF_ERROR(MergeFromJson(element, seed, decode_));
        matched.push_back(r->FieldSize(*holder, list) - 1);
      }
      for (int i : matched) {
        Message* element = r->MutableRepeatedMessage(holder, list, i);
        if (sub != nullptr) {
          RETURN_IF_ERROR(SetFromJson(element, sub, value, decode_));
        } else if (value.is_object()) {
          RETURN_IF_ERROR(MergeFromJson(element, value, decode_));
        } else {
          return Error(scim_type::kInvalidValue,
                       absl::StrCat("'", path.ToString(),
                                    "' selects elements and takes an object, got ",
                                    value.dump()));
        }
        touched.push_back(i);
      }
    }
    ClearOtherPrimaries(holder, list, touched);
    return absl::OkStatus();
  }

  absl::Status Remove(Message* holder, const FieldDescriptor* list,
                      const FieldDescriptor* sub, bool filtered,
                      const std::vector<int>& matched, const Json& value,
                      const ResolvedAttribute& resolved, const AttributePath& path) {
    const Reflection* r = holder->GetReflection();
    if (filtered && matched.empty()) {
      return Error(scim_type::kNoTarget,
                   absl::StrCat("no value of '", resolved.attribute->name,
                                "' matches '", path.ToString(), "'"));
    }
    if (sub != nullptr) {
      for (int i : matched) {
        Message* element = r->MutableRepeatedMessage(holder, list, i);
        element->GetReflection()->ClearField(element, sub);
      }
      return absl::OkStatus();
    }
    std::vector<bool> drop(r->FieldSize(*holder, list), false);
    if (filtered) {
      for (int i : matched) drop[i] = true;
    } else if (!value.is_null()) {
      // A value list removes only those values, never the whole attribute.
      std::unique_ptr<Message> temp(holder->New());
      RETURN_IF_ERROR(SetFromJson(temp.get(), list,
                                  value.is_array() ? value : Json::array({value}),
                                  decode_));
      const Reflection* tr = temp->GetReflection();
      absl::flat_hash_set<std::string> gone;
      for (int j = 0; j < tr->FieldSize(*temp, list); ++j) {
        gone.insert(ValueKey(tr->GetRepeatedMessage(*temp, list, j)));
      }
      for (size_t i = 0; i < drop.size(); ++i) {
        drop[i] = gone.contains(ValueKey(r->GetRepeatedMessage(*holder, list, i)));
      }
    } else {
      r->ClearField(holder, list);
      return absl::OkStatus();
    }
    int kept = 0;
    for (int i = 0; i < static_cast<int>(drop.size()); ++i) {
      if (drop[i]) continue;
      if (kept != i) r->SwapElements(holder, list, kept, i);
      ++kept;
    }
    while (r->FieldSize(*holder, list) > kept) r->RemoveLast(holder, list);
    return absl::OkStatus();
  }

  // One operation's values for one attribute: the work of applying them
  // (and, for Group members, the edges written) stays bounded.
  static absl::Status CheckValueCount(const ResolvedAttribute& resolved,
                                      const Json& value) {
    if (value.is_array() && value.size() > static_cast<size_t>(kMaxMultiValues)) {
      return Error(scim_type::kInvalidValue,
                   absl::StrCat("'", resolved.canonical, "' is given ", value.size(),
                                " values; one operation may give at most ",
                                kMaxMultiValues, " (the limit)"));
    }
    return absl::OkStatus();
  }

  // RFC 7643 §2.4: at most one `primary`; the value just set wins.
  void ClearOtherPrimaries(Message* holder, const FieldDescriptor* list,
                           const std::vector<int>& touched) {
    const FieldDescriptor* primary =
        FindFieldByScimName(list->message_type(), "primary");
    if (primary == nullptr) return;
    const Reflection* r = holder->GetReflection();
    int winner = -1;
    for (int i : touched) {
      const Message& e = r->GetRepeatedMessage(*holder, list, i);
      if (e.GetReflection()->GetBool(e, primary)) winner = i;
    }
    if (winner < 0) return;
    for (int i = 0; i < r->FieldSize(*holder, list); ++i) {
      if (i == winner) continue;
      Message* e = r->MutableRepeatedMessage(holder, list, i);
      if (e->GetReflection()->GetBool(*e, primary)) {
        e->GetReflection()->ClearField(e, primary);
      }
    }
  }

  const ResourceTypeSchema& type_;
  const PatchOptions& options_;
  Message* resource_;
  DecodeOptions decode_;
};

}  // namespace

absl::Status ApplyPatch(const ResourceTypeSchema& type,
                        const std::vector<PatchOp>& ops, Message* resource,
                        const PatchOptions& options) {
  if (ops.empty()) {
    return Error(scim_type::kInvalidValue, "\"Operations\" must not be empty");
  }
  RETURN_IF_ERROR(CheckPatchOperationCount(ops.size()));
  Patcher patcher(type, options, resource);
  for (size_t i = 0; i < ops.size(); ++i) {
    absl::Status s = patcher.Apply(ops[i]);
    if (!s.ok()) {
      return ScimError(s.code(), ScimTypeOf(s),
                       absl::StrCat("operation ", i + 1, " (", ops[i].op,
                                    ops[i].path.empty() ? "" : " ", ops[i].path,
                                    "): ", s.message()));
    }
  }
  return absl::OkStatus();
}

}  // namespace scim
