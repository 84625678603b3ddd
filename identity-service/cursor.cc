#include "identity-service/cursor.h"

#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/random.h"
#include "common/status.h"

namespace scim::identity {
namespace {

constexpr int kMacBytes = 16;

absl::Status InvalidCursor() {
  return ScimError(absl::StatusCode::kInvalidArgument, scim_type::kInvalidCursor,
                   "the cursor is invalid: send an empty cursor for the first "
                   "page, then the nextCursor or previousCursor of the last "
                   "response with the same query parameters");
}

}  // namespace

bool PositionLess(const SortPosition& a, const SortPosition& b,
                  bool descending) {
  if (a.missing != b.missing) return b.missing;
  if (a.missing) return a.id < b.id;
  if (a.key != b.key) return descending ? a.key > b.key : a.key < b.key;
  return descending ? a.id > b.id : a.id < b.id;
}

std::string CursorCodec::Encode(absl::string_view tenant,
                                absl::string_view query,
                                const Cursor& cursor) const {
  const int64_t expires = absl::ToUnixSeconds(clock_->Now() + kCursorTimeout);
  const std::string body = absl::StrJoin(
      {std::string(cursor.forward ? "n" : "p"), absl::StrCat(expires),
       std::string(cursor.at.missing ? "1" : "0"), HexEncode(cursor.at.key),
       HexEncode(cursor.at.id)},
      ".");
  const std::string mac =
      HmacSha256(key_, absl::StrCat(tenant, "\n", Sha256(query), "\n", body))
          .substr(0, kMacBytes);
  return absl::StrCat(body, ".", Base64UrlEncode(mac));
}

absl::StatusOr<Cursor> CursorCodec::Decode(absl::string_view tenant,
                                           absl::string_view query,
                                           absl::string_view token) const {
  std::vector<absl::string_view> parts = absl::StrSplit(token, '.');
  if (parts.size() != 6) return InvalidCursor();
  const absl::string_view body =
      token.substr(0, token.size() - parts[5].size() - 1);
  std::string mac;
  if (!absl::WebSafeBase64Unescape(parts[5], &mac) ||
      !ConstantTimeEquals(
          mac, HmacSha256(key_, absl::StrCat(tenant, "\n", Sha256(query), "\n",
                                             body))
                   .substr(0, kMacBytes))) {
    return InvalidCursor();
  }
  Cursor cursor;
  int64_t expires = 0;
  if ((parts[0] != "n" && parts[0] != "p") ||
      !absl::SimpleAtoi(parts[1], &expires) ||
      (parts[2] != "0" && parts[2] != "1")) {
    return InvalidCursor();
  }
  cursor.forward = parts[0] == "n";
  cursor.at.missing = parts[2] == "1";
  cursor.at.key = absl::HexStringToBytes(parts[3]);
  cursor.at.id = absl::HexStringToBytes(parts[4]);
  if (clock_->Now() > absl::FromUnixSeconds(expires)) {
    return ScimError(absl::StatusCode::kInvalidArgument,
                     scim_type::kExpiredCursor,
                     absl::StrCat("the cursor has expired: cursors are valid for ",
                                  absl::ToInt64Seconds(kCursorTimeout),
                                  " s (cursorTimeout); start again with an "
                                  "empty cursor"));
  }
  return cursor;
}

}  // namespace scim::identity
