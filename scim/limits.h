// The service's request limits, shared by the engine that enforces them and
// the ServiceProviderConfig that announces them (RFC 7644 §5). Every limit
// bounds work a single request can ask for; exceeding one is a 400 whose
// detail names the limit, never a slow or crashing request.
#ifndef SCIM_SCIM_LIMITS_H_
#define SCIM_SCIM_LIMITS_H_

namespace scim {

// Index pagination: `count` defaults to this and is clamped to the maximum.
inline constexpr int kDefaultPageSize = 100;
inline constexpr int kMaxPageSize = 200;
// bulk.maxOperations.
inline constexpr int kMaxBulkOperations = 1000;

// Nested arrays and objects in any JSON a client sends (request bodies, PATCH
// values, Bulk data): SCIM resources nest three levels, so 64 is generous,
// and it bounds every recursive walk over client JSON (scim/json_parse.h).
inline constexpr int kMaxJsonDepth = 64;

// Filters (RFC 7644 §3.4.2.2): comparison and presence terms in one filter,
// and nested parentheses / `not`. Both bound the recursion of the binder,
// the evaluator and the query planner over the filter tree.
inline constexpr int kMaxFilterTerms = 100;
inline constexpr int kMaxFilterNesting = 32;

// PATCH (RFC 7644 §3.5.2): operations in one request. RFC 7643 cannot
// announce it (`patch` has only `supported`); it matches bulk.maxOperations.
inline constexpr int kMaxPatchOperations = 1000;

// Values of one multi-valued attribute, in a resource or in one PATCH value
// (emails, addresses, Group members added at once, …).
inline constexpr int kMaxMultiValues = 1000;

}  // namespace scim

#endif  // SCIM_SCIM_LIMITS_H_
