// RFC 7644 §3.4.2.5 `attributes` / `excludedAttributes`, applied to a
// resource message by the schema's `returned` characteristic: "always" is
// kept, "never" is dropped, "request" only when asked for.
#ifndef SCIM_SCIM_PROJECTION_H_
#define SCIM_SCIM_PROJECTION_H_

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "google/protobuf/message.h"
#include "scim/schema.h"

namespace scim {

class Projection {
 public:
  // Names no schema declares are ignored (a client may ask for attributes
  // another service provider has).
  Projection(const ResourceTypeSchema& type,
             const std::vector<std::string>& attributes,
             const std::vector<std::string>& excluded_attributes);

  void Apply(google::protobuf::Message* resource) const;
  // Whether the top-level `field` can be in the result, so that values kept
  // elsewhere (membership edges) are read only when they will be returned.
  bool Returns(const google::protobuf::FieldDescriptor* field) const;

 private:
  struct Tree {
    bool whole = false;
    std::map<const google::protobuf::FieldDescriptor*, Tree> children;
  };
  static void Add(Tree* tree,
                  const std::vector<const google::protobuf::FieldDescriptor*>& fields);
  static void Keep(const Tree& tree, google::protobuf::Message* message);
  static void Remove(const std::vector<const google::protobuf::FieldDescriptor*>& fields,
                     size_t depth, google::protobuf::Message* message);

  bool has_attributes_ = false;
  Tree keep_;
  std::vector<std::vector<const google::protobuf::FieldDescriptor*>> remove_;
};

}  // namespace scim

#endif  // SCIM_SCIM_PROJECTION_H_
