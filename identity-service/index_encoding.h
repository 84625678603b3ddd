// How an indexed attribute's values become the `{esc(value)}` of its index
// keys (keys.h), so that key order is the order SCIM compares them in:
// strings as they are (caseExact) or case-folded, dateTime instants as
// fixed-width, order-preserving text.
#ifndef SCIM_IDENTITY_SERVICE_INDEX_ENCODING_H_
#define SCIM_IDENTITY_SERVICE_INDEX_ENCODING_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "google/protobuf/message.h"
#include "identity-service/resource_types.h"
#include "scim/schema.h"

namespace scim::identity {

enum class IndexEncoding { kExactString, kFoldedString, kInstant };

// The encoding of `attribute`'s entries, `leaf` being its schema: dateTime
// is kInstant, string and reference follow `attribute.case_exact`; any other
// type cannot be indexed (INVALID_ARGUMENT).
absl::StatusOr<IndexEncoding> EncodingOf(const IndexedAttribute& attribute,
                                         const AttributeSchema& leaf);
// The same, resolving `attribute.path` in `schema`.
absl::StatusOr<IndexEncoding> EncodingOf(const ResourceTypeSchema& schema,
                                         const IndexedAttribute& attribute);

// What an index's ready marker (IndexReadyKey) holds once its entries are
// complete in `encoding`. A new encoding of an attribute gets a new value,
// so that its entries are rebuilt (ResourceStore::EnsureIndexes).
std::string EncodingVersion(IndexEncoding encoding);

// An instant as 24 hex digits: the Unix seconds with the sign bit flipped
// (so that negative ones sort first), then the nanoseconds. Byte order is
// time order. `t` must be finite; a fraction finer than a nanosecond is
// dropped (rounded toward the past), and `*exact` (if given) says whether
// anything was.
std::string EncodeInstant(absl::Time t, bool* exact = nullptr);

// The key form that stands for "no value" in a single-valued attribute's
// index. Every resource has an entry there, so that a sort walking the index
// reaches the resources without a value too, which sort last (sort_key.h).
// No value's key form starts with 0xFF (not in UTF-8, not a hex digit): the
// entries sort after every value's, and comparisons stop before them
// (index_range.h).
inline constexpr char kAbsentIndexValue[] = "\xff";

// The key form of `attribute`'s values in `resource`: every element of a
// multi-valued one (none when unset); a single-valued one's value, or
// kAbsentIndexValue when unset.
absl::StatusOr<std::vector<std::string>> IndexValuesAt(
    const ResourceTypeSchema& schema, const google::protobuf::Message& resource,
    const IndexedAttribute& attribute);

}  // namespace scim::identity

#endif  // SCIM_IDENTITY_SERVICE_INDEX_ENCODING_H_
