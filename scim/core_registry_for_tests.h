// Tests only: one core registry shared by a test binary's cases. Production
// code is handed its registry explicitly.
#ifndef SCIM_SCIM_CORE_REGISTRY_FOR_TESTS_H_
#define SCIM_SCIM_CORE_REGISTRY_FOR_TESTS_H_

#include "scim/schema.h"

namespace scim {

inline const SchemaRegistry& CoreRegistryForTests() {
  static const SchemaRegistry* registry = SchemaRegistry::Core().release();
  return *registry;
}

}  // namespace scim

#endif  // SCIM_SCIM_CORE_REGISTRY_FOR_TESTS_H_
