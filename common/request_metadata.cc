#include "common/request_metadata.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"

namespace scim {

std::string MetadataValue(const grpc::ServerContext& context, absl::string_view key) {
  const auto& md = context.client_metadata();
  auto it = md.find(grpc::string_ref(key.data(), key.size()));
  if (it == md.end()) return "";
  return std::string(it->second.data(), it->second.size());
}

std::unique_ptr<grpc::ClientContext> NewClientContext(const CallMetadata& metadata) {
  auto context = std::make_unique<grpc::ClientContext>();
  if (metadata.deadline != absl::InfiniteFuture()) {
    context->set_deadline(absl::ToChronoTime(metadata.deadline));
  }
  if (!metadata.request_id.empty()) context->AddMetadata(kRequestIdMetadata, metadata.request_id);
  if (!metadata.actor.empty()) context->AddMetadata(kActorMetadata, metadata.actor);
  if (!metadata.client_address.empty()) {
    context->AddMetadata(kClientAddressMetadata, metadata.client_address);
  }
  if (!metadata.authorization.empty()) context->AddMetadata("authorization", metadata.authorization);
  return context;
}

CallMetadata CallMetadataOf(const grpc::ServerContext& context) {
  CallMetadata out;
  out.authorization = MetadataValue(context, "authorization");
  out.actor = MetadataValue(context, kActorMetadata);
  out.request_id = MetadataValue(context, kRequestIdMetadata);
  out.client_address = MetadataValue(context, kClientAddressMetadata);
  if (out.client_address.empty()) out.client_address = context.peer();
  out.deadline = absl::FromChrono(context.deadline());
  out.cancelled = [&context] { return context.IsCancelled(); };
  return out;
}

std::string BearerOf(absl::string_view authorization) {
  if (!absl::StartsWithIgnoreCase(authorization, "bearer ")) return "";
  return std::string(absl::StripAsciiWhitespace(authorization.substr(7)));
}

bool IsValidTenantId(absl::string_view id) {
  if (id.empty() || id.size() > 63) return false;
  for (size_t i = 0; i < id.size(); ++i) {
    char c = id[i];
    bool ok = absl::ascii_islower(c) || absl::ascii_isdigit(c) ||
              (c == '-' && i > 0);
    if (!ok) return false;
  }
  return true;
}

}  // namespace scim
