// Small bridges between protobuf and Abseil used by every store.
#ifndef SCIM_COMMON_PROTO_UTIL_H_
#define SCIM_COMMON_PROTO_UTIL_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "google/protobuf/timestamp.pb.h"
#include "google/protobuf/util/time_util.h"

namespace scim {

inline google::protobuf::Timestamp ToTimestamp(absl::Time t) {
  return google::protobuf::util::TimeUtil::NanosecondsToTimestamp(
      absl::ToUnixNanos(t));
}

inline absl::Time FromTimestamp(const google::protobuf::Timestamp& ts) {
  return absl::FromUnixNanos(
      google::protobuf::util::TimeUtil::TimestampToNanoseconds(ts));
}

// A stored record of type T; DATA_LOSS when the bytes do not parse.
template <typename T>
absl::StatusOr<T> ParseRecord(const std::string& bytes) {
  T out;
  if (!out.ParseFromString(bytes)) return absl::DataLossError("corrupt record");
  return out;
}

}  // namespace scim

#endif  // SCIM_COMMON_PROTO_UTIL_H_
