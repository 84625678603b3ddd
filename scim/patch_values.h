// How PATCH values land in messages: JSON set and merge through the codec,
// the element a value filter would define, value comparison and pruning.
#ifndef SCIM_SCIM_PATCH_VALUES_H_
#define SCIM_SCIM_PATCH_VALUES_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "google/protobuf/message.h"
#include "scim/filter.h"
#include "scim/filter_eval.h"
#include "scim/json_codec.h"

namespace scim {

// Sets `field` of `parent` from a JSON value through the codec, so that type
// rules (and "True" for booleans) are the same as on POST. null clears it.
absl::Status SetFromJson(google::protobuf::Message* parent,
                         const google::protobuf::FieldDescriptor* field,
                         const Json& value, const DecodeOptions& decode);

// Merges a JSON object into a message: given sub-attributes replace, others
// stay; `null` ones are cleared.
absl::Status MergeFromJson(google::protobuf::Message* target, const Json& value,
                           const DecodeOptions& decode);

// A single complex value may be written as its `value` (Entra sends the
// enterprise `manager` as a bare id).
Json ComplexValue(const google::protobuf::FieldDescriptor* field,
                  const Json& value);

// The attribute values a filter pins with `eq` (joined by `and`), as a JSON
// object: what a new element must hold to match `type eq "work"`. False when
// the filter has any other shape (`or`, `ne`, `co`, `pr`, `eq null`, …): it
// does not define one new value (RFC 7644 §3.5.2.1, noTarget).
bool SeedFromFilter(const FilterNode& node, Json* seed);

// `value eq "a" or value eq "b"`: appends "a", "b" and says true; false for
// any other shape.
bool CollectEqValues(const BoundFilter& node, std::vector<std::string>* out);

// Two elements of a multi-valued attribute are the same value when their
// keys are equal: by `value` when they have one, else whole (by their
// deterministic encoding), in separate key spaces. A key rather than a
// comparison lets PATCH add and remove-by-value-list match n new values
// against m old ones through a hash set, O(n + m) instead of O(n·m).
std::string ValueKey(const google::protobuf::Message& element);

// Clears messages along `fields` left empty by a removal, deepest first.
void PruneEmpty(
    google::protobuf::Message* resource,
    const std::vector<const google::protobuf::FieldDescriptor*>& fields,
    size_t depth);

}  // namespace scim

#endif  // SCIM_SCIM_PATCH_VALUES_H_
