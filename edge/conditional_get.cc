// Conditional GET: If-None-Match, ETags and the ETag cache (see
// conditional_get.h).
#include "edge/conditional_get.h"

#include <optional>

#include "absl/strings/ascii.h"
#include "absl/strings/string_view.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "edge/edge_metrics.h"
#include "httplib.h"
#include "scim/v1/resources.pb.h"

namespace scim::edge {
namespace {

std::string VersionOf(const google::protobuf::Message& resource) {
  const auto* d = resource.GetDescriptor();
  const auto* meta = d->FindFieldByName("meta");
  if (meta == nullptr) return "";
  return static_cast<const v1::Meta&>(resource.GetReflection()->GetMessage(resource, meta))
      .version();
}

// RFC 7232 §3.2 with weak comparison: does If-None-Match hold `version`?
bool NoneMatchHolds(absl::string_view header, absl::string_view version) {
  if (version.empty()) return false;
  auto opaque = [](absl::string_view tag) {
    tag = absl::StripAsciiWhitespace(tag);
    absl::ConsumePrefix(&tag, "W/");
    return tag;
  };
  for (absl::string_view tag : absl::StrSplit(header, ',')) {
    if (absl::StripAsciiWhitespace(tag) == "*" || opaque(tag) == opaque(version)) {
      return true;
    }
  }
  return false;
}

}  // namespace

void SetEtag(Call& call, const google::protobuf::Message& resource) {
  const std::string version = VersionOf(resource);
  if (!version.empty()) call.res.set_header("ETag", version);
}

bool AnswerIfNotModified(Call& call, const google::protobuf::Message& resource) {
  SetEtag(call, resource);
  const std::string version = VersionOf(resource);
  if (call.req.method == "GET" &&
      NoneMatchHolds(call.req.get_header_value("If-None-Match"), version)) {
    call.res.status = 304;
    return true;
  }
  return false;
}

bool ConditionalGet::AnswerFromCache(Call& call, const std::string& endpoint,
                                     const std::string& id) {
  const std::string none_match = call.req.get_header_value("If-None-Match");
  if (cache_ == nullptr || none_match.empty()) return false;
  std::optional<int64_t> version = cache_->LiveVersion(call.tenant, endpoint, id);
  if (version.has_value() && NoneMatchHolds(none_match, FormatVersion(*version))) {
    call.res.set_header("ETag", FormatVersion(*version));
    call.res.status = 304;
    CountEtagCache("hit");
    return true;
  }
  CountEtagCache("miss");
  return false;
}

}  // namespace scim::edge
