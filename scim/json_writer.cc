// Resources as JSON text straight from the message (see json_writer.h). The
// rules mirror json_codec.cc's EncodeMessage: fields in number order, an
// empty complex value left out, Timestamps as RFC 3339 strings, Struct map
// entries as top-level URN attributes.
#include "scim/json_writer.h"

#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/timestamp.pb.h"
#include "google/protobuf/util/time_util.h"

namespace scim {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

// The length of the UTF-8 sequence at `s[i]`, or 0 when it is not one (RFC
// 3629: no overlong forms, no surrogates, nothing past U+10FFFF), as the
// document's dump decides.
size_t Utf8SequenceAt(absl::string_view s, size_t i) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = byte(i);
  if (c < 0x80) return 1;
  size_t n;
  unsigned char lo = 0x80, hi = 0xBF;  // the allowed range of the second byte
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  if (byte(i + 1) < lo || byte(i + 1) > hi) return 0;
  for (size_t k = 2; k < n; ++k) {
    if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) return 0;
  }
  return n;
}

// Which strings of a message get the origin put before them: meta's
// location, and the $ref of a members or groups element.
enum class Paths { kNone, kMeta, kReference };

bool WriteMessage(const Message& m, absl::string_view origin, bool top, Paths paths,
                  std::string* out);

bool WriteSingle(const Message& m, const FieldDescriptor* f, int index,
                 absl::string_view origin, Paths child_paths, bool absolutize,
                 std::string* out) {
  const Reflection* r = m.GetReflection();
  const bool rep = index >= 0;
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING: {
      std::string scratch;
      const std::string& s = rep ? r->GetRepeatedStringReference(m, f, index, &scratch)
                                 : r->GetStringReference(m, f, &scratch);
      if (absolutize && absl::StartsWith(s, "/")) {
        return AppendJsonString(absl::StrCat(origin, s), out);
      }
      return AppendJsonString(s, out);
    }
    case FieldDescriptor::CPPTYPE_BOOL:
      out->append((rep ? r->GetRepeatedBool(m, f, index) : r->GetBool(m, f)) ? "true"
                                                                             : "false");
      return true;
    case FieldDescriptor::CPPTYPE_INT32:
      absl::StrAppend(out, rep ? r->GetRepeatedInt32(m, f, index) : r->GetInt32(m, f));
      return true;
    case FieldDescriptor::CPPTYPE_INT64:
      absl::StrAppend(out, rep ? r->GetRepeatedInt64(m, f, index) : r->GetInt64(m, f));
      return true;
    case FieldDescriptor::CPPTYPE_UINT32:
      absl::StrAppend(out, rep ? r->GetRepeatedUInt32(m, f, index) : r->GetUInt32(m, f));
      return true;
    case FieldDescriptor::CPPTYPE_UINT64:
      absl::StrAppend(out, rep ? r->GetRepeatedUInt64(m, f, index) : r->GetUInt64(m, f));
      return true;
    // Floating point as the document prints it (shortest round trip, NaN as
    // null): rare in resources, so the document's own printer does it.
    case FieldDescriptor::CPPTYPE_DOUBLE:
      out->append(DumpJson(Json(rep ? r->GetRepeatedDouble(m, f, index) : r->GetDouble(m, f))));
      return true;
    case FieldDescriptor::CPPTYPE_FLOAT:
      out->append(DumpJson(Json(rep ? r->GetRepeatedFloat(m, f, index) : r->GetFloat(m, f))));
      return true;
    case FieldDescriptor::CPPTYPE_ENUM:
      return AppendJsonString(
          (rep ? r->GetRepeatedEnum(m, f, index) : r->GetEnum(m, f))->name(), out);
    case FieldDescriptor::CPPTYPE_MESSAGE:
      return WriteMessage(rep ? r->GetRepeatedMessage(m, f, index) : r->GetMessage(m, f),
                          origin, /*top=*/false, child_paths, out);
  }
  out->append("null");
  return true;
}

bool WriteMessage(const Message& m, absl::string_view origin, bool top, Paths paths,
                  std::string* out) {
  if (IsTimestamp(m.GetDescriptor())) {
    return AppendJsonString(google::protobuf::util::TimeUtil::ToString(
                                static_cast<const google::protobuf::Timestamp&>(m)),
                            out);
  }
  const Reflection* r = m.GetReflection();
  std::vector<const FieldDescriptor*> fields;
  r->ListFields(m, &fields);
  out->push_back('{');
  bool first = true;
  for (const FieldDescriptor* f : fields) {
    if (f->is_map()) {
      // Tenant extension schemas: map<urn, Struct> -> top-level URN keys,
      // each value printed as the document prints the parsed Struct.
      for (int i = 0; i < r->FieldSize(m, f); ++i) {
        std::string urn, struct_json;
        if (!ExtensionEntryJson(r->GetRepeatedMessage(m, f, i), &urn, &struct_json)) continue;
        if (!first) out->push_back(',');
        if (!AppendJsonString(urn, out)) return false;
        out->push_back(':');
        out->append(DumpJson(Json::parse(struct_json, nullptr, false)));
        first = false;
      }
      continue;
    }
    const size_t mark = out->size();
    if (!first) out->push_back(',');
    const std::string& name = f->json_name();
    if (!AppendJsonString(name, out)) return false;
    out->push_back(':');
    Paths child = Paths::kNone;
    if (top && !f->is_repeated() && name == "meta") child = Paths::kMeta;
    if (top && f->is_repeated() && (name == "members" || name == "groups")) {
      child = Paths::kReference;
    }
    if (f->is_repeated()) {
      out->push_back('[');
      for (int i = 0; i < r->FieldSize(m, f); ++i) {
        if (i > 0) out->push_back(',');
        if (!WriteSingle(m, f, i, origin, child, /*absolutize=*/false, out)) return false;
      }
      out->push_back(']');
    } else {
      const bool absolutize = (paths == Paths::kMeta && name == "location") ||
                              (paths == Paths::kReference && name == "$ref");
      const size_t value_at = out->size();
      if (!WriteSingle(m, f, -1, origin, child, absolutize, out)) return false;
      // An empty complex value carries nothing; leave it out.
      if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE &&
          out->compare(value_at, std::string::npos, "{}") == 0) {
        out->resize(mark);
        continue;
      }
    }
    first = false;
  }
  out->push_back('}');
  return true;
}

}  // namespace

bool AppendJsonString(absl::string_view value, std::string* out) {
  const size_t start = out->size();
  out->push_back('"');
  size_t i = 0;
  while (i < value.size()) {
    const unsigned char c = static_cast<unsigned char>(value[i]);
    if (c >= 0x80) {
      const size_t n = Utf8SequenceAt(value, i);
      if (n == 0) {
        out->resize(start);
        return false;
      }
      out->append(value.data() + i, n);
      i += n;
      continue;
    }
    switch (c) {
      case '"': out->append("\\\""); break;
      case '\\': out->append("\\\\"); break;
      case '\b': out->append("\\b"); break;
      case '\f': out->append("\\f"); break;
      case '\n': out->append("\\n"); break;
      case '\r': out->append("\\r"); break;
      case '\t': out->append("\\t"); break;
      default:
        if (c < 0x20) {
          static constexpr char kHex[] = "0123456789abcdef";
          out->append("\\u00");
          out->push_back(kHex[c >> 4]);
          out->push_back(kHex[c & 0xF]);
        } else {
          out->push_back(static_cast<char>(c));
        }
    }
    ++i;
  }
  out->push_back('"');
  return true;
}

bool AppendResourceJson(const Message& resource, absl::string_view origin, std::string* out) {
  const size_t start = out->size();
  if (!WriteMessage(resource, origin, /*top=*/true, Paths::kNone, out)) {
    out->resize(start);
    return false;
  }
  return true;
}

void AbsolutizeLocations(Json& resource, absl::string_view origin) {
  auto absolutize = [origin](Json& holder, const char* key) {
    auto it = holder.find(key);
    if (it != holder.end() && it->is_string() &&
        absl::StartsWith(it->get_ref<const std::string&>(), "/")) {
      *it = absl::StrCat(origin, it->get_ref<const std::string&>());
    }
  };
  if (auto meta = resource.find("meta"); meta != resource.end() && meta->is_object()) {
    absolutize(*meta, "location");
  }
  for (const char* list : {"members", "groups"}) {
    auto it = resource.find(list);
    if (it == resource.end() || !it->is_array()) continue;
    for (Json& element : *it) {
      if (element.is_object()) absolutize(element, "$ref");
    }
  }
}

std::string DumpJson(const Json& value) {
  return value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

}  // namespace scim
