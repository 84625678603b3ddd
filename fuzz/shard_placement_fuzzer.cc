// A tenant's shard map entry (sharding/shard_map.h) comes from etcd, which
// any process with access may write: a decoded placement stays in range and
// encodes back to itself.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "sharding/placement.h"

using namespace scim::sharding;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  (void)OrdinalFromHostname(input);
  std::optional<Placement> p = DecodePlacement(input);
  if (!p.has_value()) return 0;
  if (p->shard < 0 || p->shard >= kMaxShards || p->epoch < 0 || p->frozen_until < 0) {
    std::fprintf(stderr, "accepted an out-of-range placement: %s\n", input.c_str());
    std::abort();
  }
  if (DecodePlacement(EncodePlacement(*p)) != p) {
    std::fprintf(stderr, "placement does not round-trip: %s\n", input.c_str());
    std::abort();
  }
  return 0;
}
