#include "common/rpc_observer.h"

#include <atomic>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/log.h"
#include "common/metrics.h"
#include "common/request_metadata.h"
#include "grpcpp/support/interceptor.h"
#include "prometheus/counter.h"
#include "prometheus/histogram.h"

namespace scim {
namespace {

std::atomic<bool> rpc_logging{true};

prometheus::Family<prometheus::Counter>& Handled() {
  static auto& family = prometheus::BuildCounter()
                            .Name("scim_grpc_server_handled_total")
                            .Help("RPCs completed, by method and status code")
                            .Register(MetricsRegistry());
  return family;
}

prometheus::Family<prometheus::Histogram>& Latency() {
  static auto& family = prometheus::BuildHistogram()
                            .Name("scim_grpc_server_handling_seconds")
                            .Help("RPC latency, by method")
                            .Register(MetricsRegistry());
  return family;
}

const prometheus::Histogram::BucketBoundaries& Buckets() { return LatencyBuckets(); }

class RpcObserver : public grpc::experimental::Interceptor {
 public:
  explicit RpcObserver(grpc::experimental::ServerRpcInfo* info)
      : method_(info->method() ? info->method() : "unknown"),
        start_(absl::Now()) {}

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    using grpc::experimental::InterceptionHookPoints;
    if (methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::POST_RECV_INITIAL_METADATA)) {
      auto* md = methods->GetRecvInitialMetadata();
      auto find = [&](const char* key) {
        auto it = md->find(key);
        return it == md->end() ? std::string()
                               : std::string(it->second.data(), it->second.size());
      };
      request_id_ = find(kRequestIdMetadata);
      actor_ = find(kActorMetadata);
    }
    if (methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::PRE_SEND_STATUS)) {
      const grpc::Status status = methods->GetSendStatus();
      const double seconds = absl::ToDoubleSeconds(absl::Now() - start_);
      const std::string code = absl::StrCat(status.error_code());
      Handled().Add({{"method", method_}, {"code", code}}).Increment();
      Latency().Add({{"method", method_}}, Buckets()).Observe(seconds);
      // Health probes would drown the log.
      if (rpc_logging && !absl::StartsWith(method_, "/grpc.health.")) {
        LogInfo("rpc", {{"request_id", request_id_},
                        {"method", method_},
                        {"code", code},
                        {"latency_ms", absl::StrCat(seconds * 1000)},
                        {"actor", actor_}});
      }
    }
    methods->Proceed();
  }

 private:
  std::string method_;
  absl::Time start_;
  std::string request_id_;
  std::string actor_;
};

class RpcObserverFactory
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    return new RpcObserver(info);
  }
};

}  // namespace

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
NewRpcObserverFactory() {
  return std::make_unique<RpcObserverFactory>();
}

void SetRpcLogging(bool enabled) { rpc_logging = enabled; }

}  // namespace scim
