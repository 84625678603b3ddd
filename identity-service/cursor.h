// RFC 9865 cursors: opaque, tamper-evident (HMAC), bound to the tenant and
// the query (filter, sort), and expiring after cursorTimeout. A cursor holds
// the sort position of the page boundary, not an offset, so pages stay
// consistent while others write: a resource that exists throughout the
// paging is seen exactly once.
#ifndef SCIM_IDENTITY_SERVICE_CURSOR_H_
#define SCIM_IDENTITY_SERVICE_CURSOR_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/clock.h"

namespace scim::identity {

// A position in a query's order: (has no sort value, sort key, id).
struct SortPosition {
  bool missing = false;
  std::string key;
  std::string id;
};

// Order of results: by sort key, then by id (creation order), descending
// the reverse of ascending, except that resources without a value come last
// in both, by id. That is the order of an index's entries ({value}{id}, the
// entries of no value last: index_encoding.h), so a sort can walk them.
bool PositionLess(const SortPosition& a, const SortPosition& b, bool descending);

struct Cursor {
  bool forward = true;  // the page after `at`, or (previousCursor) before it
  SortPosition at;
};

inline constexpr absl::Duration kCursorTimeout = absl::Hours(1);

class CursorCodec {
 public:
  CursorCodec(std::string key, Clock* clock) : key_(std::move(key)), clock_(clock) {}

  std::string Encode(absl::string_view tenant, absl::string_view query,
                     const Cursor& cursor) const;
  // 400 invalidCursor when forged, damaged or for another tenant or query;
  // 400 expiredCursor after kCursorTimeout.
  absl::StatusOr<Cursor> Decode(absl::string_view tenant,
                                absl::string_view query,
                                absl::string_view token) const;

 private:
  std::string key_;
  Clock* clock_;
};

}  // namespace scim::identity

#endif  // SCIM_IDENTITY_SERVICE_CURSOR_H_
