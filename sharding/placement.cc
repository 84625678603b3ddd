#include "sharding/placement.h"

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "nlohmann/json.hpp"

namespace scim::sharding {

using json = nlohmann::json;

std::string EncodePlacement(const Placement& p) {
  json out = {{"shard", p.shard}, {"epoch", p.epoch}};
  if (p.frozen_until > 0) out["frozen_until"] = p.frozen_until;
  return out.dump();
}

std::optional<Placement> DecodePlacement(const std::string& value) {
  json doc = json::parse(value, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object()) return std::nullopt;
  auto shard = doc.find("shard");
  auto epoch = doc.find("epoch");
  if (shard == doc.end() || !shard->is_number_integer() || epoch == doc.end() ||
      !epoch->is_number_integer()) {
    return std::nullopt;
  }
  // Read wide, then range-checked: a huge number must not wrap into range.
  const int64_t number = shard->get<int64_t>();
  if (number < 0 || number >= kMaxShards) return std::nullopt;
  Placement p{static_cast<int>(number), epoch->get<int64_t>()};
  if (auto frozen = doc.find("frozen_until"); frozen != doc.end()) {
    if (!frozen->is_number_integer()) return std::nullopt;
    p.frozen_until = frozen->get<int64_t>();
  }
  if (p.epoch < 0 || p.frozen_until < 0) return std::nullopt;
  return p;
}

int OrdinalFromHostname(const std::string& hostname) {
  const size_t dash = hostname.rfind('-');
  if (dash == std::string::npos || dash + 1 >= hostname.size()) return -1;
  const std::string digits = hostname.substr(dash + 1);
  // Only the ordinal: "pod-3" yes, "pod-3.svc" or "pod-x" no.
  for (char c : digits) {
    if (!absl::ascii_isdigit(c)) return -1;
  }
  int n = -1;
  if (digits.size() > 4 || !absl::SimpleAtoi(digits, &n) || n >= kMaxShards) return -1;
  return n;
}

}  // namespace scim::sharding
