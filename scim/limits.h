// The service's request limits, shared by the engine that enforces them and
// the ServiceProviderConfig that announces them (RFC 7644 §5).
#ifndef SCIM_SCIM_LIMITS_H_
#define SCIM_SCIM_LIMITS_H_

namespace scim {

// Index pagination: `count` defaults to this and is clamped to the maximum.
inline constexpr int kDefaultPageSize = 100;
inline constexpr int kMaxPageSize = 200;
// bulk.maxOperations.
inline constexpr int kMaxBulkOperations = 1000;

}  // namespace scim

#endif  // SCIM_SCIM_LIMITS_H_
