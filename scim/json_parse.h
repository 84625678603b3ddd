// The one parser for JSON a client sends (request bodies, PATCH values, Bulk
// data). nlohmann::json::parse throws on malformed input and on numbers out
// of range (`1e400`), and accepts any nesting, which every later recursive
// walk (codec, Value conversion, destruction) would then follow; this
// function throws nothing and bounds the nesting by kMaxJsonDepth.
#ifndef SCIM_SCIM_JSON_PARSE_H_
#define SCIM_SCIM_JSON_PARSE_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "scim/json_codec.h"

namespace scim {

// Parses `text`. Errors are INVALID_ARGUMENT: scimType invalidSyntax for
// malformed JSON, invalidValue for a number out of range or nesting beyond
// kMaxJsonDepth, the detail naming the problem (and the limit). `what` names
// the text in details ("the request body").
absl::StatusOr<Json> ParseJsonBounded(absl::string_view text,
                                      absl::string_view what = "the request body");

}  // namespace scim

#endif  // SCIM_SCIM_JSON_PARSE_H_
