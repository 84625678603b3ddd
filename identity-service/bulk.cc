#include "identity-service/bulk.h"

#include <memory>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/status.h"
#include "google/protobuf/message.h"
#include "identity-service/keys.h"
#include "identity-service/message_fields.h"
#include "scim/json_codec.h"
#include "scim/patch.h"
#include "scim/projection.h"

namespace scim::identity {
namespace {

using google::protobuf::Message;

constexpr absl::string_view kBulkIdPrefix = "bulkId:";

// An operation's path: "/Users", "/Groups/{id}" (leading '/' optional).
struct Target {
  const ResourceType* type = nullptr;
  std::string id;
};

absl::StatusOr<Target> ParsePath(absl::string_view path) {
  absl::ConsumePrefix(&path, "/");
  std::vector<absl::string_view> parts = absl::StrSplit(path, '/');
  Target target;
  for (const ResourceType* type : {&UserResourceType(), &GroupResourceType()}) {
    if (absl::EqualsIgnoreCase(parts[0], type->endpoint)) target.type = type;
  }
  if (target.type == nullptr || parts.size() > 2 ||
      (parts.size() == 2 && parts[1].empty())) {
    return InvalidValue(absl::StrCat(
        "path \"", path, "\" is not /Users, /Groups, /Users/{id} or /Groups/{id}"));
  }
  if (parts.size() == 2) target.id = std::string(parts[1]);
  return target;
}

// Every bulkId referenced by `value`'s strings.
void CollectReferences(const Json& value, std::vector<std::string>* out) {
  if (value.is_string()) {
    absl::string_view s = value.get_ref<const std::string&>();
    if (absl::ConsumePrefix(&s, kBulkIdPrefix)) out->emplace_back(s);
  } else if (value.is_structured()) {
    for (const Json& child : value) CollectReferences(child, out);
  }
}

void Substitute(Json& value, const absl::flat_hash_map<std::string, std::string>& ids) {
  if (value.is_string()) {
    absl::string_view s = value.get_ref<const std::string&>();
    if (absl::ConsumePrefix(&s, kBulkIdPrefix)) {
      auto it = ids.find(s);
      if (it != ids.end()) value = it->second;
    }
  } else if (value.is_structured()) {
    for (Json& child : value) Substitute(child, ids);
  }
}

// The "Operations" of a PatchOp body (schemas need not be repeated in bulk).
absl::StatusOr<std::vector<PatchOp>> PatchOperationsOf(const Json& data) {
  if (data.is_object()) {
    for (const auto& [key, value] : data.items()) {
      if (absl::EqualsIgnoreCase(key, "Operations")) {
        return ParsePatchOperations(value);
      }
    }
  }
  return InvalidSyntax("a PATCH operation's data must be a PatchOp with \"Operations\"");
}

class BulkRun {
 public:
  BulkRun(ResourceStore& store, const v1::BulkRequest& request,
          const BulkPolicy& policy, const RequestContext& context)
      : store_(store),
        request_(request),
        policy_(policy),
        context_(context),
        state_(request.operations_size(), State::kPending),
        results_(request.operations_size()) {
    for (int i = 0; i < request.operations_size(); ++i) {
      const std::string& bulk_id = request.operations(i).bulk_id();
      if (!bulk_id.empty()) defined_by_.emplace(bulk_id, i);  // first one wins
    }
  }

  // DEADLINE_EXCEEDED or CANCELLED when the caller's deadline stopped the
  // run between operations (those done stay done: each is its own write).
  absl::Status Run(v1::BulkResponse* response) {
    for (int i = 0; i < request_.operations_size() && !stopped_; ++i) {
      RETURN_IF_ERROR(context_.deadline.Check());
      Execute(i);
    }
    for (int i = 0; i < request_.operations_size(); ++i) {
      if (state_[i] == State::kDone) response->add_operations()->Swap(&results_[i]);
    }
    return absl::OkStatus();
  }

 private:
  enum class State { kPending, kRunning, kDone };

  void Execute(int i) {
    if (state_[i] != State::kPending || stopped_) return;
    state_[i] = State::kRunning;
    const v1::BulkOperation& op = request_.operations(i);
    v1::BulkOperationResult& result = results_[i];
    result.set_method(absl::AsciiStrToUpper(op.method()));
    result.set_bulk_id(op.bulk_id());
    Json data = op.has_data() ? JsonFromValue(op.data()) : Json();
    std::string path = op.path();
    absl::Status status =
        !op.bulk_id().empty() && defined_by_.at(op.bulk_id()) != i
            ? InvalidValue(absl::StrCat("bulkId \"", op.bulk_id(),
                                        "\" is used by an earlier operation"))
            : Resolve(i, &data, &path);
    if (stopped_) {  // a dependency hit the error limit: this one never ran
      state_[i] = State::kPending;
      return;
    }
    if (status.ok()) status = Dispatch(op, data, path, &result);
    if (!status.ok()) {
      result.clear_response();
      v1::Error* error = result.mutable_error();
      error->set_status(HttpStatusOf(status));
      error->set_scim_type(ScimTypeOf(status));
      error->set_detail(std::string(status.message()));
      result.set_status(error->status());
      ++errors_;
      if (request_.fail_on_errors() > 0 && errors_ >= request_.fail_on_errors()) {
        stopped_ = true;
      }
    } else if (!op.bulk_id().empty() && result.method() == "POST") {
      created_[op.bulk_id()] = created_id_;
    }
    state_[i] = State::kDone;
  }

  // Runs the operations `i` references first, then replaces the references
  // with the ids they created.
  absl::Status Resolve(int i, Json* data, std::string* path) {
    std::vector<std::string> refs;
    CollectReferences(*data, &refs);
    for (absl::string_view segment : absl::StrSplit(*path, '/')) {
      CollectReferences(Json(std::string(segment)), &refs);
    }
    for (const std::string& ref : refs) {
      if (created_.contains(ref)) continue;
      auto it = defined_by_.find(ref);
      if (it == defined_by_.end()) {
        return InvalidValue(absl::StrCat("bulkId \"", ref,
                                         "\" is not defined by any operation"));
      }
      const int j = it->second;
      if (state_[j] == State::kRunning) {
        return ScimError(absl::StatusCode::kAborted, "",
                         absl::StrCat("circular bulkId reference: \"", ref,
                                      "\" depends on this operation"));
      }
      Execute(j);
      if (stopped_ && state_[j] != State::kDone) return absl::OkStatus();
      if (!created_.contains(ref)) {
        return ScimError(absl::StatusCode::kAborted, "",
                         absl::StrCat("the operation with bulkId \"", ref,
                                      "\" failed"));
      }
    }
    Substitute(*data, created_);
    std::vector<std::string> segments = absl::StrSplit(*path, '/');
    for (std::string& segment : segments) {
      absl::string_view s = segment;
      if (absl::ConsumePrefix(&s, kBulkIdPrefix)) segment = created_.at(s);
    }
    *path = absl::StrJoin(segments, "/");
    return absl::OkStatus();
  }

  absl::Status Dispatch(const v1::BulkOperation& op, const Json& data,
                        const std::string& path, v1::BulkOperationResult* result) {
    const std::string method = absl::AsciiStrToUpper(op.method());
    if (method != "POST" && method != "PUT" && method != "PATCH" &&
        method != "DELETE") {
      return InvalidValue(absl::StrCat("method \"", op.method(),
                                       "\" is not one of POST, PUT, PATCH, DELETE"));
    }
    ASSIGN_OR_RETURN(Target target, ParsePath(path));
    const ResourceType& type = *target.type;
    if ((method == "POST") != target.id.empty()) {
      return InvalidValue(method == "POST"
                              ? absl::StrCat("POST goes to /", type.endpoint)
                              : absl::StrCat(method, " needs /", type.endpoint, "/{id}"));
    }
    const std::string& tenant = request_.tenant();
    if (method == "DELETE") {
      RETURN_IF_ERROR(store_.Delete(type, tenant, target.id, op.version(), context_,
                                    policy_.soft_delete));
      result->set_status(204);
      result->set_location(ResourceLocation(tenant, type.endpoint, target.id));
      return absl::OkStatus();
    }
    std::unique_ptr<Message> resource = NewMessage(type);
    const auto projection = store_.ProjectionOf(type, request_.projection());
    const DecodeOptions decode{policy_.validation.enforce_canonical_values};
    if (method == "PATCH") {
      ASSIGN_OR_RETURN(std::vector<PatchOp> ops, PatchOperationsOf(data));
      RETURN_IF_ERROR(store_.Patch(type, tenant, target.id, op.version(), ops,
                                   resource.get(), context_, policy_.validation));
    } else {
      if (!data.is_object()) {
        return InvalidSyntax(absl::StrCat(method, " needs the resource as data"));
      }
      RETURN_IF_ERROR(DecodeResource(data, resource.get(), decode));
      RETURN_IF_ERROR(method == "POST"
                          ? store_.Create(type, tenant, resource.get(), context_,
                                          policy_.validation)
                          : store_.Replace(type, tenant, target.id, op.version(),
                                           resource.get(), context_,
                                           policy_.validation));
    }
    const auto* meta_field = resource->GetDescriptor()->FindFieldByName("meta");
    const auto& meta = static_cast<const v1::Meta&>(
        resource->GetReflection()->GetMessage(*resource, meta_field));
    result->set_status(method == "POST" ? 201 : 200);
    result->set_location(meta.location());
    result->set_version(meta.version());
    const auto* id_field = resource->GetDescriptor()->FindFieldByName("id");
    created_id_ = resource->GetReflection()->GetString(*resource, id_field);
    store_.Project(type, *projection, resource.get());
    Message* slot = &type == &UserResourceType()
                        ? static_cast<Message*>(result->mutable_user())
                        : static_cast<Message*>(result->mutable_group());
    slot->CopyFrom(*resource);
    return absl::OkStatus();
  }

  ResourceStore& store_;
  const v1::BulkRequest& request_;
  const BulkPolicy& policy_;
  const RequestContext& context_;
  std::vector<State> state_;
  std::vector<v1::BulkOperationResult> results_;
  absl::flat_hash_map<std::string, int> defined_by_;
  absl::flat_hash_map<std::string, std::string> created_;  // bulkId -> id
  std::string created_id_;
  int errors_ = 0;
  bool stopped_ = false;
};

}  // namespace

absl::Status RunBulk(ResourceStore& store, const v1::BulkRequest& request,
                     const BulkPolicy& policy, const RequestContext& context,
                     v1::BulkResponse* response) {
  if (request.operations_size() > kMaxBulkOperations) {
    return ScimError(absl::StatusCode::kInvalidArgument, scim_type::kTooLarge,
                     absl::StrCat("a bulk request holds at most ", kMaxBulkOperations,
                                  " operations; this one has ",
                                  request.operations_size()));
  }
  if (request.fail_on_errors() < 0) {
    return InvalidValue("failOnErrors must not be negative");
  }
  return BulkRun(store, request, policy, context).Run(response);
}

}  // namespace scim::identity
