// RFC 7644 §3.4.2.2 filters: parse, print canonically, bind to the core User
// and Group types and evaluate against a fixed user and group. Input: the
// filter text (as in ?filter= or a .search body).
#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/strings/match.h"
#include "fuzz/fuzz_fixtures.h"
#include "scim/filter.h"
#include "scim/filter_eval.h"

using namespace scim;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view text = fuzz::AsText(data, size);
  absl::StatusOr<std::unique_ptr<FilterNode>> parsed = ParseFilter(text);
  if (parsed.ok()) {
    // Canonical text binds cursors to their query: it must read back as
    // itself. Except that a long and/or chain parses (iteratively) into a
    // tree whose fully parenthesised text is deeper than the parser allows;
    // canonical text is only hashed, never parsed, so that is no bug.
    const std::string canonical = FilterToString(**parsed);
    absl::StatusOr<std::unique_ptr<FilterNode>> again = ParseFilter(canonical);
    const bool too_deep =
        !again.ok() && absl::StrContains(again.status().message(), "nested too deeply");
    if (!too_deep && (!again.ok() || FilterToString(**again) != canonical)) {
      std::fprintf(stderr, "canonical filter does not round-trip: %s -> %s\n",
                   canonical.c_str(),
                   again.ok() ? FilterToString(**again).c_str()
                              : again.status().ToString().c_str());
      std::abort();
    }
  }
  absl::StatusOr<CompiledFilter> user = CompiledFilter::Compile(fuzz::UserType(), text);
  if (user.ok()) {
    (void)user->Matches(fuzz::FixedUser());
    (void)user->Matches(v1::User());
  }
  absl::StatusOr<CompiledFilter> group = CompiledFilter::Compile(fuzz::GroupType(), text);
  if (group.ok()) (void)group->Matches(fuzz::FixedGroup());
  return 0;
}
