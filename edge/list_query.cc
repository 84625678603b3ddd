#include "edge/list_query.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/status.h"

namespace scim::edge {
namespace {

constexpr char kSearchRequestSchema[] =
    "urn:ietf:params:scim:api:messages:2.0:SearchRequest";

void AddNames(absl::string_view csv, google::protobuf::RepeatedPtrField<std::string>* out) {
  for (absl::string_view name : absl::StrSplit(csv, ',')) {
    name = absl::StripAsciiWhitespace(name);
    if (!name.empty()) out->Add(std::string(name));
  }
}

absl::Status ParseInt(absl::string_view name, absl::string_view text, int32_t* out) {
  if (!absl::SimpleAtoi(text, out)) {
    return InvalidValue(absl::StrCat("'", name, "' must be an integer, got '", text, "'"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ListRequestFromParams(const QueryParams& params, v1::ListRequest* out) {
  for (const auto& [name, value] : params) {
    int32_t n = 0;
    if (absl::EqualsIgnoreCase(name, "filter")) {
      out->set_filter(value);
    } else if (absl::EqualsIgnoreCase(name, "startIndex")) {
      RETURN_IF_ERROR(ParseInt(name, value, &n));
      out->set_start_index(n);
    } else if (absl::EqualsIgnoreCase(name, "count")) {
      RETURN_IF_ERROR(ParseInt(name, value, &n));
      out->set_count(n);
    } else if (absl::EqualsIgnoreCase(name, "sortBy")) {
      out->set_sort_by(value);
    } else if (absl::EqualsIgnoreCase(name, "sortOrder")) {
      out->set_sort_order(value);
    } else if (absl::EqualsIgnoreCase(name, "attributes")) {
      AddNames(value, out->mutable_attributes());
    } else if (absl::EqualsIgnoreCase(name, "excludedAttributes")) {
      AddNames(value, out->mutable_excluded_attributes());
    } else if (absl::EqualsIgnoreCase(name, "cursor")) {
      out->set_cursor(value);
    }
  }
  return absl::OkStatus();
}

absl::Status ListRequestFromSearch(const Json& body, v1::ListRequest* out) {
  if (!body.is_object()) {
    return InvalidSyntax("the SearchRequest body must be a JSON object");
  }
  for (const auto& [key, value] : body.items()) {
    auto string_field = [&](std::string* field) -> absl::Status {
      if (!value.is_string()) {
        return InvalidValue(absl::StrCat("'", key, "' must be a string"));
      }
      *field = value.get<std::string>();
      return absl::OkStatus();
    };
    auto int_field = [&](int32_t* n) -> absl::Status {
      if (value.is_number_integer()) {
        *n = value.get<int32_t>();
        return absl::OkStatus();
      }
      if (value.is_string()) return ParseInt(key, value.get<std::string>(), n);
      return InvalidValue(absl::StrCat("'", key, "' must be an integer"));
    };
    auto names = [&](google::protobuf::RepeatedPtrField<std::string>* field) -> absl::Status {
      if (value.is_string()) {
        AddNames(value.get<std::string>(), field);
        return absl::OkStatus();
      }
      if (!value.is_array()) {
        return InvalidValue(absl::StrCat("'", key, "' must be an array of attribute names"));
      }
      for (const auto& v : value) {
        if (!v.is_string()) {
          return InvalidValue(absl::StrCat("'", key, "' must hold only strings"));
        }
        AddNames(v.get<std::string>(), field);
      }
      return absl::OkStatus();
    };
    std::string s;
    int32_t n = 0;
    if (value.is_null()) continue;
    if (absl::EqualsIgnoreCase(key, "schemas")) {
      bool search = false;
      if (value.is_array()) {
        for (const auto& v : value) {
          search |= v.is_string() && v.get<std::string>() == kSearchRequestSchema;
        }
      }
      if (!search) {
        return InvalidValue(absl::StrCat("'schemas' must be [\"", kSearchRequestSchema, "\"]"));
      }
    } else if (absl::EqualsIgnoreCase(key, "filter")) {
      RETURN_IF_ERROR(string_field(&s));
      out->set_filter(s);
    } else if (absl::EqualsIgnoreCase(key, "sortBy")) {
      RETURN_IF_ERROR(string_field(&s));
      out->set_sort_by(s);
    } else if (absl::EqualsIgnoreCase(key, "sortOrder")) {
      RETURN_IF_ERROR(string_field(&s));
      out->set_sort_order(s);
    } else if (absl::EqualsIgnoreCase(key, "cursor")) {
      RETURN_IF_ERROR(string_field(&s));
      out->set_cursor(s);
    } else if (absl::EqualsIgnoreCase(key, "startIndex")) {
      RETURN_IF_ERROR(int_field(&n));
      out->set_start_index(n);
    } else if (absl::EqualsIgnoreCase(key, "count")) {
      RETURN_IF_ERROR(int_field(&n));
      out->set_count(n);
    } else if (absl::EqualsIgnoreCase(key, "attributes")) {
      RETURN_IF_ERROR(names(out->mutable_attributes()));
    } else if (absl::EqualsIgnoreCase(key, "excludedAttributes")) {
      RETURN_IF_ERROR(names(out->mutable_excluded_attributes()));
    }
  }
  return absl::OkStatus();
}

void ProjectionFromParams(const QueryParams& params, v1::Projection* out) {
  for (const auto& [name, value] : params) {
    if (absl::EqualsIgnoreCase(name, "attributes")) {
      AddNames(value, out->mutable_attributes());
    } else if (absl::EqualsIgnoreCase(name, "excludedAttributes")) {
      AddNames(value, out->mutable_excluded_attributes());
    }
  }
}

}  // namespace scim::edge
