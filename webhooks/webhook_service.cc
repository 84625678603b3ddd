#include "webhooks/webhook_service.h"

#include "common/log.h"
#include "common/status.h"

namespace scim::webhooks {

v1::Webhook WebhookServiceImpl::Visible(const v1::StoredWebhook& stored) {
  v1::Webhook webhook = stored.webhook();
  // Lag is a convenience: an endpoint is still shown when the feed cannot
  // say (e.g. its cursor is past the retention).
  absl::Status lag = dispatcher_->FillLag(&webhook);
  if (!lag.ok() && !absl::IsOutOfRange(lag)) {
    LogWarning("webhooks: lag unknown", {{"tenant", webhook.tenant()},
                                         {"webhook", webhook.id()},
                                         {"error", lag.ToString()}});
  }
  return webhook;
}

grpc::Status WebhookServiceImpl::AddWebhook(grpc::ServerContext* context,
                                            const v1::AddWebhookRequest* request,
                                            v1::AddWebhookResponse* response) {
  return AsTenant(authorize_, *context, request->tenant(), [&]() -> absl::Status {
    ASSIGN_OR_RETURN(AddedWebhook added, store_->Add(*request));
    dispatcher_->Refresh(added.webhook.tenant(), added.webhook.id());
    *response->mutable_webhook() = std::move(added.webhook);
    response->set_secret(std::move(added.secret));
    return absl::OkStatus();
  });
}

grpc::Status WebhookServiceImpl::ListWebhooks(grpc::ServerContext* context,
                                              const v1::ListWebhooksRequest* request,
                                              v1::ListWebhooksResponse* response) {
  return AsTenant(authorize_, *context, request->tenant(), [&]() -> absl::Status {
    ASSIGN_OR_RETURN(std::vector<v1::StoredWebhook> all, store_->List(request->tenant()));
    for (const auto& stored : all) *response->add_webhooks() = Visible(stored);
    return absl::OkStatus();
  });
}

grpc::Status WebhookServiceImpl::GetWebhook(grpc::ServerContext* context,
                                            const v1::WebhookRef* request,
                                            v1::Webhook* response) {
  return AsTenant(authorize_, *context, request->tenant(), [&]() -> absl::Status {
    ASSIGN_OR_RETURN(v1::StoredWebhook stored, store_->Get(request->tenant(), request->id()));
    *response = Visible(stored);
    return absl::OkStatus();
  });
}

grpc::Status WebhookServiceImpl::RemoveWebhook(grpc::ServerContext* context,
                                               const v1::WebhookRef* request,
                                               google::protobuf::Empty*) {
  return AsTenant(authorize_, *context, request->tenant(), [&]() -> absl::Status {
    RETURN_IF_ERROR(store_->Remove(request->tenant(), request->id()));
    dispatcher_->Refresh(request->tenant(), request->id());
    return absl::OkStatus();
  });
}

grpc::Status WebhookServiceImpl::RotateWebhookSecret(
    grpc::ServerContext* context, const v1::RotateWebhookSecretRequest* request,
    v1::RotateWebhookSecretResponse* response) {
  return AsTenant(authorize_, *context, request->tenant(), [&]() -> absl::Status {
    if (request->grace_seconds() < 0) return InvalidValue("grace_seconds must not be negative");
    ASSIGN_OR_RETURN(std::string secret,
                     store_->RotateSecret(request->tenant(), request->id(),
                                          absl::Seconds(request->grace_seconds())));
    dispatcher_->Refresh(request->tenant(), request->id());
    response->set_secret(std::move(secret));
    return absl::OkStatus();
  });
}

grpc::Status WebhookServiceImpl::ReplayWebhook(grpc::ServerContext* context,
                                               const v1::ReplayWebhookRequest* request,
                                               v1::Webhook* response) {
  return AsTenant(authorize_, *context, request->tenant(), [&]() -> absl::Status {
    ASSIGN_OR_RETURN(v1::StoredWebhook stored,
                     store_->Replay(request->tenant(), request->id(), request->after()));
    dispatcher_->Refresh(request->tenant(), request->id());
    *response = Visible(stored);
    return absl::OkStatus();
  });
}

}  // namespace scim::webhooks
