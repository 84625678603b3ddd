// SchemaRegistry::WithExtensions: a tenant's extension schemas as protobuf
// messages built at run time, so that the engine, which works on messages
// through their descriptors, needs no code of its own for them.
//
// For each resource type a tenant extends, a message is built in a pool of
// the registry's own: a copy of the core message (same fields, same
// numbers: the bytes are interchangeable with v1.User / v1.Group) plus one
// message field per extension schema, whose JSON name is the schema's URN,
// exactly as the enterprise extension is declared in resources.proto.
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "google/protobuf/descriptor.pb.h"
#include "google/protobuf/timestamp.pb.h"
#include "scim/schema.h"

namespace scim {
namespace {

using google::protobuf::DescriptorProto;
using google::protobuf::FieldDescriptorProto;
using google::protobuf::FileDescriptorProto;

constexpr char kPackage[] = "scim.tenant";
constexpr int kMaxFieldNumber = 536870911;  // 2^29 - 1

absl::StatusOr<int> NumberOf(const ExtensionSchema& ext, const std::string& key) {
  for (const auto& [name, number] : ext.field_numbers) {
    if (name == key) {
      if (number < 1 || number > kMaxFieldNumber ||
          (number >= 19000 && number <= 19999)) {
        return InvalidValue(absl::StrCat("field number ", number, " of ", key, " in ",
                                         ext.schema.id, " is not usable"));
      }
      return number;
    }
  }
  return InvalidValue(
      absl::StrCat("no field number for attribute ", key, " of ", ext.schema.id));
}

// Adds `attribute` as field `number` of `message` (nested messages of
// complex attributes go into `message` too).
absl::Status AddField(const ExtensionSchema& ext, const AttributeSchema& attribute,
                      const std::string& key, DescriptorProto* message) {
  ASSIGN_OR_RETURN(int number, NumberOf(ext, key));
  FieldDescriptorProto* f = message->add_field();
  f->set_name(absl::StrCat("f", number));
  f->set_json_name(attribute.name);
  f->set_number(number);
  f->set_label(attribute.multi_valued ? FieldDescriptorProto::LABEL_REPEATED
                                      : FieldDescriptorProto::LABEL_OPTIONAL);
  switch (attribute.type) {
    case AttributeType::kString:
    case AttributeType::kReference:
    case AttributeType::kBinary:  // base64 text, as SCIM sends it
      f->set_type(FieldDescriptorProto::TYPE_STRING);
      break;
    case AttributeType::kBoolean:
      f->set_type(FieldDescriptorProto::TYPE_BOOL);
      break;
    case AttributeType::kInteger:
      f->set_type(FieldDescriptorProto::TYPE_INT64);
      break;
    case AttributeType::kDecimal:
      f->set_type(FieldDescriptorProto::TYPE_DOUBLE);
      break;
    case AttributeType::kDateTime:
      f->set_type(FieldDescriptorProto::TYPE_MESSAGE);
      f->set_type_name(absl::StrCat(".", google::protobuf::Timestamp::descriptor()->full_name()));
      break;
    case AttributeType::kComplex: {
      if (key.find('.') != std::string::npos) {
        return InvalidValue(absl::StrCat("complex attribute ", key, " of ", ext.schema.id,
                                         " may not be nested in another"));
      }
      DescriptorProto* nested = message->add_nested_type();
      nested->set_name(absl::StrCat("C", number));
      for (const AttributeSchema& sub : attribute.sub_attributes) {
        RETURN_IF_ERROR(
            AddField(ext, sub, absl::StrCat(key, ".", absl::AsciiStrToLower(sub.name)), nested));
      }
      f->set_type(FieldDescriptorProto::TYPE_MESSAGE);
      f->set_type_name(absl::StrCat(".", kPackage, ".", message->name(), ".", nested->name()));
      break;
    }
  }
  // proto3 scalars have no presence unless optional: give singular ones a
  // synthetic oneof, as protoc does for `optional`, so that an attribute
  // set to "" or 0 or false is still set.
  if (!attribute.multi_valued && f->type() != FieldDescriptorProto::TYPE_MESSAGE) {
    f->set_proto3_optional(true);
  }
  return absl::OkStatus();
}

// Keeps the first error of a pool build, for the status.
class FirstError : public google::protobuf::DescriptorPool::ErrorCollector {
 public:
  void AddError(const std::string& filename, const std::string& element_name,
                const google::protobuf::Message*, ErrorLocation,
                const std::string& message) override {
    if (error.empty()) error = absl::StrCat(element_name, ": ", message);
  }
  std::string error;
};

// The copy's fields that name its own nested types (a map's entry must)
// point at the copy's, not at the original's.
void RetargetNestedTypes(const std::string& from, const std::string& to, DescriptorProto* message) {
  const std::string prefix = absl::StrCat(".", from, ".");
  for (FieldDescriptorProto& f : *message->mutable_field()) {
    if (absl::StartsWith(f.type_name(), prefix)) {
      f.set_type_name(absl::StrCat(".", to, ".", f.type_name().substr(prefix.size())));
    }
  }
  for (DescriptorProto& nested : *message->mutable_nested_type()) {
    RetargetNestedTypes(from, to, &nested);
  }
}

// protoc places the synthetic oneofs of proto3 optional fields after the
// real ones; so does this.
void AddSyntheticOneofs(DescriptorProto* message) {
  for (FieldDescriptorProto& f : *message->mutable_field()) {
    if (!f.proto3_optional() || f.has_oneof_index()) continue;
    f.set_oneof_index(message->oneof_decl_size());
    message->add_oneof_decl()->set_name(absl::StrCat("_", f.name()));
  }
  for (DescriptorProto& nested : *message->mutable_nested_type()) AddSyntheticOneofs(&nested);
}

}  // namespace

absl::StatusOr<std::unique_ptr<const SchemaRegistry>> SchemaRegistry::WithExtensions(
    std::vector<ExtensionSchema> extensions) {
  std::unique_ptr<SchemaRegistry> registry(new SchemaRegistry());
  RETURN_IF_ERROR(registry->AddExtensions(std::move(extensions)));
  return std::unique_ptr<const SchemaRegistry>(std::move(registry));
}

absl::Status SchemaRegistry::AddExtensions(std::vector<ExtensionSchema> extensions) {
  if (extensions.empty()) return absl::OkStatus();
  FileDescriptorProto file;
  file.set_name("scim/tenant/extensions.proto");
  file.set_package(kPackage);
  file.set_syntax("proto3");
  std::set<std::string> dependencies;
  std::set<std::string> urns;
  std::set<int> numbers;
  for (const ExtensionSchema& ext : extensions) {
    const std::string urn = absl::AsciiStrToLower(ext.schema.id);
    if (FindSchema(ext.schema.id) != nullptr || !urns.insert(urn).second) {
      return InvalidValue(absl::StrCat("schema ", ext.schema.id, " is declared twice"));
    }
    if (ext.field_number < kFirstExtensionField || ext.field_number > kMaxFieldNumber ||
        !numbers.insert(ext.field_number).second) {
      return InvalidValue(absl::StrCat("schema ", ext.schema.id, " has field number ",
                                       ext.field_number));
    }
    DescriptorProto* message = file.add_message_type();
    message->set_name(absl::StrCat("Ext", ext.field_number));
    for (const AttributeSchema& a : ext.schema.attributes) {
      RETURN_IF_ERROR(AddField(ext, a, absl::AsciiStrToLower(a.name), message));
    }
  }
  for (ResourceTypeSchema& type : resource_types_) {
    bool extended = false;
    DescriptorProto* message = nullptr;
    for (const ExtensionSchema& ext : extensions) {
      if (!absl::EqualsIgnoreCase(ext.resource_type, type.name)) continue;
      if (!extended) {
        extended = true;
        message = file.add_message_type();
        type.descriptor->CopyTo(message);
        RetargetNestedTypes(type.descriptor->full_name(),
                            absl::StrCat(kPackage, ".", message->name()), message);
        // The copy refers to what the core message's file imports.
        const google::protobuf::FileDescriptor* core = type.descriptor->file();
        dependencies.insert(core->name());
        for (int i = 0; i < core->dependency_count(); ++i) {
          dependencies.insert(core->dependency(i)->name());
        }
      }
      FieldDescriptorProto* f = message->add_field();
      f->set_name(absl::StrCat("ext", ext.field_number));
      f->set_json_name(ext.schema.id);
      f->set_number(ext.field_number);
      f->set_label(FieldDescriptorProto::LABEL_OPTIONAL);
      f->set_type(FieldDescriptorProto::TYPE_MESSAGE);
      f->set_type_name(absl::StrCat(".", kPackage, ".Ext", ext.field_number));
    }
  }
  for (const ExtensionSchema& ext : extensions) {
    bool known = false;
    for (const ResourceTypeSchema& type : resource_types_) {
      known = known || absl::EqualsIgnoreCase(ext.resource_type, type.name);
    }
    if (!known) {
      return InvalidValue(absl::StrCat("schema ", ext.schema.id, " extends unknown resource type \"",
                                       ext.resource_type, "\""));
    }
  }
  for (DescriptorProto& m : *file.mutable_message_type()) AddSyntheticOneofs(&m);
  dependencies.insert(google::protobuf::Timestamp::descriptor()->file()->name());
  for (const std::string& d : dependencies) file.add_dependency(d);

  pool_ = std::make_unique<google::protobuf::DescriptorPool>(
      google::protobuf::DescriptorPool::generated_pool());
  FirstError errors;
  const google::protobuf::FileDescriptor* built = pool_->BuildFileCollectingErrors(file, &errors);
  if (built == nullptr) {
    return absl::InternalError(
        absl::StrCat("cannot build the tenant's extension messages: ", errors.error));
  }
  factory_ = std::make_unique<google::protobuf::DynamicMessageFactory>(pool_.get());
  // Sub-messages of core types stay the generated classes (code may
  // static_cast them, e.g. to v1.ResourceReference).
  factory_->SetDelegateToGeneratedFactory(true);
  for (ResourceTypeSchema& type : resource_types_) {
    const google::protobuf::Descriptor* tenant =
        built->FindMessageTypeByName(std::string(type.descriptor->name()));
    for (ExtensionSchema& ext : extensions) {
      if (!absl::EqualsIgnoreCase(ext.resource_type, type.name)) continue;
      type.extensions.push_back({ext.schema.id, ext.required});
    }
    if (tenant == nullptr) continue;
    type.descriptor = tenant;
    type.prototype = factory_->GetPrototype(tenant);
  }
  for (ExtensionSchema& ext : extensions) schemas_.push_back(std::move(ext.schema));
  return absl::OkStatus();
}

}  // namespace scim
