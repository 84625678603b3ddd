#include "scim/simple_filter.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "nlohmann/json.hpp"

namespace scim {
namespace {

absl::Status FilterError(size_t pos, absl::string_view problem) {
  return ScimError(absl::StatusCode::kInvalidArgument,
                   scim_type::kInvalidFilter,
                   absl::StrCat("invalid filter at position ", pos + 1, ": ",
                                problem));
}

bool IsAttrChar(char c) {
  return absl::ascii_isalnum(c) || c == '.' || c == '_' || c == '-' ||
         c == ':' || c == '$';
}

}  // namespace

absl::StatusOr<EqualityFilter> ParseFilter(absl::string_view filter) {
  size_t pos = 0;
  auto skip_spaces = [&] {
    while (pos < filter.size() && filter[pos] == ' ') ++pos;
  };
  skip_spaces();
  size_t attr_start = pos;
  while (pos < filter.size() && IsAttrChar(filter[pos])) ++pos;
  if (pos == attr_start) return FilterError(pos, "expected an attribute path");
  EqualityFilter out;
  out.attribute = std::string(filter.substr(attr_start, pos - attr_start));
  if (pos >= filter.size() || filter[pos] != ' ') {
    return FilterError(pos, "expected a space after the attribute path");
  }
  skip_spaces();
  size_t op_start = pos;
  while (pos < filter.size() && absl::ascii_isalpha(filter[pos])) ++pos;
  absl::string_view op = filter.substr(op_start, pos - op_start);
  if (!absl::EqualsIgnoreCase(op, "eq")) {
    return FilterError(op_start,
                       op.empty() ? "expected an operator"
                                  : absl::StrCat("operator '", op,
                                                 "' is not supported yet; "
                                                 "only 'eq' is"));
  }
  skip_spaces();
  if (pos >= filter.size() || filter[pos] != '"') {
    return FilterError(pos, "expected a quoted string value");
  }
  size_t value_start = pos++;
  while (pos < filter.size() && filter[pos] != '"') {
    pos += filter[pos] == '\\' ? 2 : 1;
  }
  if (pos >= filter.size()) {
    return FilterError(value_start, "unterminated string");
  }
  ++pos;
  nlohmann::json value = nlohmann::json::parse(
      filter.substr(value_start, pos - value_start), nullptr, false);
  if (!value.is_string()) return FilterError(value_start, "invalid string");
  out.value = value.get<std::string>();
  skip_spaces();
  if (pos != filter.size()) {
    return FilterError(pos, "unexpected text after the comparison (only a "
                            "single 'eq' comparison is supported yet)");
  }
  return out;
}

}  // namespace scim
