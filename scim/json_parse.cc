#include "scim/json_parse.h"

#include <exception>

#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "scim/limits.h"

namespace scim {

absl::StatusOr<Json> ParseJsonBounded(absl::string_view text,
                                      absl::string_view what) {
  bool too_deep = false;
  // The callback sees every event with the depth of the container it is in;
  // an array or object starting at depth kMaxJsonDepth would be the
  // (kMaxJsonDepth + 1)-th level. Returning false discards it, so the tree
  // that is built never exceeds the limit, and the flag refuses the whole.
  Json::parser_callback_t bound = [&too_deep](int depth,
                                              Json::parse_event_t event,
                                              Json&) {
    if ((event == Json::parse_event_t::object_start ||
         event == Json::parse_event_t::array_start) &&
        depth >= kMaxJsonDepth) {
      too_deep = true;
    }
    return !too_deep;
  };
  auto too_deep_error = [&] {
    return InvalidValue(absl::StrCat(what, " nests arrays and objects deeper than ",
                                     kMaxJsonDepth, " levels (the limit)"));
  };
  Json out;
  try {
    out = Json::parse(text.begin(), text.end(), bound);
  } catch (const Json::parse_error& e) {
    // Past the limit, the limit is the answer (a truncated bomb included).
    if (too_deep) return too_deep_error();
    return InvalidSyntax(absl::StrCat(what, " is not valid JSON: ", e.what()));
  } catch (const Json::out_of_range& e) {
    // 406: a number such as 1e400 that no double holds.
    return InvalidValue(absl::StrCat(what, " holds a number out of range: ",
                                     e.what()));
  } catch (const std::exception& e) {
    return InvalidSyntax(absl::StrCat(what, " could not be read as JSON: ",
                                      e.what()));
  }
  if (too_deep) return too_deep_error();
  return out;
}

}  // namespace scim
