// Conditional GET (RFC 7232 If-None-Match against a resource's ETag): the
// 304 answered from a resource just read, and the one answered from the
// ETag cache without calling identity-service.
#ifndef SCIM_EDGE_CONDITIONAL_GET_H_
#define SCIM_EDGE_CONDITIONAL_GET_H_

#include <string>

#include "common/etag_cache.h"
#include "edge/call.h"
#include "google/protobuf/message.h"

namespace scim::edge {

// Sets the ETag header from `resource`'s meta.version; answers 304 (and
// returns true) when the call is a GET whose If-None-Match holds it.
bool AnswerIfNotModified(Call& call, const google::protobuf::Message& resource);
// The ETag header of `resource` (its meta.version), if it has one.
void SetEtag(Call& call, const google::protobuf::Message& resource);

class ConditionalGet {
 public:
  // nullptr (the default) turns the cache off.
  void set_cache(EtagCache* cache) { cache_ = cache; }

  // For GET /{endpoint}/{id} with If-None-Match: answers 304 (and returns
  // true) when the cache knows the resource's current version and the header
  // holds it. False means: ask identity-service.
  bool AnswerFromCache(Call& call, const std::string& endpoint,
                       const std::string& id);

 private:
  EtagCache* cache_ = nullptr;
};

}  // namespace scim::edge

#endif  // SCIM_EDGE_CONDITIONAL_GET_H_
