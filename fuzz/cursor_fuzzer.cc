// RFC 9865 cursor decoding (identity-service/cursor.h). The first byte picks
// the mode: even, the rest is the cursor as a client sends it back; odd, the
// rest is a cursor body that the target MACs with the fixed key, so that the
// parsing behind the MAC is reached too. A cursor that decodes must encode
// and decode again to the same position.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/clock.h"
#include "common/random.h"
#include "fuzz/fuzz_fixtures.h"
#include "identity-service/cursor.h"

using namespace scim;

namespace {

constexpr char kKey[] = "fuzz-cursor-key-0123456789abcdef";
constexpr char kTenant[] = "acme";
constexpr char kQuery[] = "filter=userName sw \"b\"&sortBy=name.familyName";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  static FakeClock* clock = new FakeClock(absl::FromUnixSeconds(1700000000));
  const identity::CursorCodec codec(kKey, clock);
  const absl::string_view rest = fuzz::AsText(data + 1, size - 1);
  std::string token(rest);
  if (data[0] % 2 == 1) {
    const std::string mac =
        HmacSha256(kKey, absl::StrCat(kTenant, "\n", Sha256(kQuery), "\n", rest))
            .substr(0, 16);
    token = absl::StrCat(rest, ".", Base64UrlEncode(mac));
  }
  absl::StatusOr<identity::Cursor> cursor = codec.Decode(kTenant, kQuery, token);
  (void)codec.Decode("other", kQuery, token);
  if (!cursor.ok()) return 0;
  const std::string again = codec.Encode(kTenant, kQuery, *cursor);
  absl::StatusOr<identity::Cursor> decoded = codec.Decode(kTenant, kQuery, again);
  if (!decoded.ok() || decoded->forward != cursor->forward ||
      decoded->at.missing != cursor->at.missing || decoded->at.key != cursor->at.key ||
      decoded->at.id != cursor->at.id) {
    std::fprintf(stderr, "a decoded cursor does not round-trip: %s\n", again.c_str());
    std::abort();
  }
  return 0;
}
