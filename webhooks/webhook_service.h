// WebhookService over gRPC: endpoint management over the WebhookStore, with
// the dispatcher told of every change. Who may act on a tenant is decided by
// the injected authorizer (the admin token, or a credential of that tenant).
#ifndef SCIM_WEBHOOKS_WEBHOOK_SERVICE_H_
#define SCIM_WEBHOOKS_WEBHOOK_SERVICE_H_

#include <functional>
#include <string>

#include "absl/status/status.h"
#include "common/admin_token.h"
#include "scim/v1/events.grpc.pb.h"
#include "webhooks/dispatcher.h"
#include "webhooks/webhook_store.h"

namespace scim::webhooks {

class WebhookServiceImpl final : public v1::WebhookService::Service {
 public:
  WebhookServiceImpl(WebhookStore* store, Dispatcher* dispatcher, TenantAuthorizer authorize)
      : store_(store), dispatcher_(dispatcher), authorize_(std::move(authorize)) {}

  // Secrets leave only in AddWebhookResponse.secret and
  // RotateWebhookSecretResponse.secret; Webhook messages never carry one.
  grpc::Status AddWebhook(grpc::ServerContext* context, const v1::AddWebhookRequest* request,
                          v1::AddWebhookResponse* response) override;
  grpc::Status ListWebhooks(grpc::ServerContext* context,
                            const v1::ListWebhooksRequest* request,
                            v1::ListWebhooksResponse* response) override;
  grpc::Status GetWebhook(grpc::ServerContext* context, const v1::WebhookRef* request,
                          v1::Webhook* response) override;
  grpc::Status RemoveWebhook(grpc::ServerContext* context, const v1::WebhookRef* request,
                             google::protobuf::Empty* response) override;
  grpc::Status RotateWebhookSecret(grpc::ServerContext* context,
                                   const v1::RotateWebhookSecretRequest* request,
                                   v1::RotateWebhookSecretResponse* response) override;
  grpc::Status ReplayWebhook(grpc::ServerContext* context,
                             const v1::ReplayWebhookRequest* request,
                             v1::Webhook* response) override;

 private:
  // The endpoint as callers see it: with its lag, never a secret.
  v1::Webhook Visible(const v1::StoredWebhook& stored);

  WebhookStore* const store_;
  Dispatcher* const dispatcher_;
  const TenantAuthorizer authorize_;
};

}  // namespace scim::webhooks

#endif  // SCIM_WEBHOOKS_WEBHOOK_SERVICE_H_
