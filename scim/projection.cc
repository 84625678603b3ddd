#include "scim/projection.h"

#include "common/status.h"
#include "scim/attribute_resolver.h"

namespace scim {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

// Paths (from the resource) of every attribute whose `returned` is `which`.
void CollectReturned(const ResourceTypeSchema& type, Returned which,
                     std::vector<std::vector<const FieldDescriptor*>>* out) {
  const SchemaRegistry& registry = *type.registry;
  auto visit = [&](const std::vector<AttributeSchema>& attrs,
                   const google::protobuf::Descriptor* d,
                   const FieldDescriptor* container) {
    for (const AttributeSchema& a : attrs) {
      const FieldDescriptor* f = FindFieldByScimName(d, a.name);
      if (f == nullptr) continue;
      std::vector<const FieldDescriptor*> base;
      if (container != nullptr) base.push_back(container);
      base.push_back(f);
      if (a.returned == which) out->push_back(base);
      for (const AttributeSchema& sub : a.sub_attributes) {
        const FieldDescriptor* sf =
            f->message_type() ? FindFieldByScimName(f->message_type(), sub.name)
                              : nullptr;
        if (sf != nullptr && sub.returned == which && a.returned != which) {
          auto path = base;
          path.push_back(sf);
          out->push_back(path);
        }
      }
    }
  };
  visit(registry.common_attributes(), type.descriptor, nullptr);
  if (const Schema* core = registry.FindSchema(type.schema)) {
    visit(core->attributes, type.descriptor, nullptr);
  }
  for (const SchemaExtension& ext : type.extensions) {
    const Schema* s = registry.FindSchema(ext.schema);
    const FieldDescriptor* c = FindFieldByScimName(type.descriptor, ext.schema);
    if (s != nullptr && c != nullptr) visit(s->attributes, c->message_type(), c);
  }
}

}  // namespace

Projection::Projection(const ResourceTypeSchema& type,
                       const std::vector<std::string>& attributes,
                       const std::vector<std::string>& excluded_attributes) {
  std::vector<std::vector<const FieldDescriptor*>> always;
  CollectReturned(type, Returned::kAlways, &always);
  std::vector<std::vector<const FieldDescriptor*>> requested;
  for (const std::string& name : attributes) {
    auto resolved = ResolvePathText(type, name, scim_type::kInvalidPath);
    if (!resolved.ok()) continue;
    has_attributes_ = true;
    Add(&keep_, resolved->fields);
    requested.push_back(resolved->fields);
  }
  for (const auto& path : always) Add(&keep_, path);
  if (const FieldDescriptor* schemas = FindFieldByScimName(type.descriptor, "schemas")) {
    Add(&keep_, {schemas});
  }
  auto is_always = [&](const std::vector<const FieldDescriptor*>& path) {
    for (const auto& a : always) {
      if (a == path || (path.size() < a.size() &&
                        std::equal(path.begin(), path.end(), a.begin()))) {
        return true;
      }
    }
    return false;
  };
  for (const std::string& name : excluded_attributes) {
    auto resolved = ResolvePathText(type, name, scim_type::kInvalidPath);
    if (resolved.ok() && !is_always(resolved->fields)) {
      remove_.push_back(resolved->fields);
    }
  }
  // "never" always goes; "request" unless asked for by name.
  CollectReturned(type, Returned::kNever, &remove_);
  std::vector<std::vector<const FieldDescriptor*>> on_request;
  CollectReturned(type, Returned::kRequest, &on_request);
  for (const auto& path : on_request) {
    bool asked = false;
    for (const auto& r : requested) asked |= r == path;
    if (!asked) remove_.push_back(path);
  }
}

void Projection::Add(Tree* tree, const std::vector<const FieldDescriptor*>& fields) {
  for (const FieldDescriptor* f : fields) tree = &tree->children[f];
  tree->whole = true;
}

void Projection::Keep(const Tree& tree, Message* message) {
  const auto* r = message->GetReflection();
  std::vector<const FieldDescriptor*> set;
  r->ListFields(*message, &set);
  for (const FieldDescriptor* f : set) {
    auto it = tree.children.find(f);
    if (it == tree.children.end()) {
      r->ClearField(message, f);
      continue;
    }
    if (it->second.whole || f->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) {
      continue;
    }
    if (f->is_repeated()) {
      for (int i = 0; i < r->FieldSize(*message, f); ++i) {
        Keep(it->second, r->MutableRepeatedMessage(message, f, i));
      }
    } else {
      Keep(it->second, r->MutableMessage(message, f));
    }
  }
}

void Projection::Remove(const std::vector<const FieldDescriptor*>& fields,
                        size_t depth, Message* message) {
  const FieldDescriptor* f = fields[depth];
  const auto* r = message->GetReflection();
  if (depth + 1 == fields.size()) {
    r->ClearField(message, f);
    return;
  }
  if (f->is_repeated()) {
    for (int i = 0; i < r->FieldSize(*message, f); ++i) {
      Remove(fields, depth + 1, r->MutableRepeatedMessage(message, f, i));
    }
  } else if (r->HasField(*message, f)) {
    Remove(fields, depth + 1, r->MutableMessage(message, f));
  }
}

void Projection::Apply(Message* resource) const {
  if (has_attributes_) Keep(keep_, resource);
  for (const auto& path : remove_) Remove(path, 0, resource);
}

bool Projection::Returns(const FieldDescriptor* field) const {
  for (const auto& path : remove_) {
    if (path.size() == 1 && path[0] == field) return false;
  }
  return !has_attributes_ || keep_.whole || keep_.children.count(field) > 0;
}

}  // namespace scim
