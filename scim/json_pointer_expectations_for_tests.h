// Tests only: checks a resource's JSON against a table row's expectations,
// an object of JSON pointers: each must hold that value, or, for null, be
// absent. Shared by the engine's table tests (PATCH, projection).
#ifndef SCIM_SCIM_JSON_POINTER_EXPECTATIONS_FOR_TESTS_H_
#define SCIM_SCIM_JSON_POINTER_EXPECTATIONS_FOR_TESTS_H_

#include <string>

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "scim/json_codec.h"

namespace scim {

inline void ExpectJsonPointers(const Json& resource, const std::string& wants_json) {
  const nlohmann::json out = nlohmann::json::parse(resource.dump());
  const nlohmann::json wants = nlohmann::json::parse(wants_json);
  for (const auto& [pointer, want] : wants.items()) {
    nlohmann::json::json_pointer p(pointer);
    if (want.is_null()) {
      EXPECT_FALSE(out.contains(p)) << pointer << " in " << out.dump();
    } else {
      ASSERT_TRUE(out.contains(p)) << pointer << " missing in " << out.dump();
      EXPECT_EQ(out[p], want) << pointer << " in " << out.dump();
    }
  }
}

}  // namespace scim

#endif  // SCIM_SCIM_JSON_POINTER_EXPECTATIONS_FOR_TESTS_H_
