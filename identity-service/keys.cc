#include "identity-service/keys.h"

#include "events/event_log.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace scim::identity {

const std::vector<std::string>& ColumnFamilies() {
  static const auto* cfs = new std::vector<std::string>{
      kResourcesCf, kUniqueCf, kIndexCf, kMembersCf, kMembersReverseCf,
      kOutboxCf, kTombstonesCf, kCountsCf, events::kPendingCf, events::kEventsCf,
      kWebhooksCf, kSchemasCf};
  return *cfs;
}

std::string ResourcePrefix(absl::string_view tenant, absl::string_view type) {
  return absl::StrCat(tenant, "/", type, "/");
}

std::string ResourceKey(absl::string_view tenant, absl::string_view type,
                        absl::string_view id) {
  return absl::StrCat(tenant, "/", type, "/", id);
}

std::string ResourceLocation(absl::string_view tenant, absl::string_view endpoint,
                             absl::string_view id) {
  return absl::StrCat("/t/", tenant, "/scim/v2/", endpoint, "/", id);
}

std::string EscapeKeyComponent(absl::string_view value) {
  std::string out;
  out.reserve(value.size() + 2);
  for (char c : value) {
    out.push_back(c);
    if (c == '\0') out.push_back('\xff');
  }
  out.push_back('\0');
  out.push_back('\x01');
  return out;
}

std::string AttributeKeyPrefix(absl::string_view tenant, absl::string_view type,
                               absl::string_view attribute) {
  return absl::StrCat(tenant, "/", type, "/", attribute, "/");
}

std::string ValueKey(absl::string_view tenant, absl::string_view type,
                     absl::string_view attribute, absl::string_view value) {
  return absl::StrCat(AttributeKeyPrefix(tenant, type, attribute),
                      EscapeKeyComponent(value));
}

std::string IndexKey(absl::string_view tenant, absl::string_view type,
                     absl::string_view attribute, absl::string_view value,
                     absl::string_view id) {
  return absl::StrCat(ValueKey(tenant, type, attribute, value), id);
}

absl::string_view IdOfIndexKey(absl::string_view key, size_t value_start) {
  constexpr absl::string_view kEnd("\0\x01", 2);
  const size_t end = key.find(kEnd, value_start);
  if (end == absl::string_view::npos) return {};
  return key.substr(end + kEnd.size());
}

std::string IndexReadyKey(absl::string_view type, absl::string_view attribute) {
  return absl::StrCat(kIndexReadyPrefix, type, "/", attribute);
}

}  // namespace scim::identity
