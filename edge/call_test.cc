// What a Call tells the client about errors: SCIM bodies, and for a 500
// nothing but the request id.
#include "edge/call.h"

#include "common/status.h"
#include "gtest/gtest.h"
#include "httplib.h"

namespace scim::edge {
namespace {

TEST(CallTest, ClientErrorsKeepTheirDetail) {
  httplib::Request req;
  httplib::Response res;
  Call call{req, res};
  call.Error(ScimError(absl::StatusCode::kInvalidArgument, scim_type::kInvalidFilter,
                       "the filter has 101 terms; at most 100"));
  EXPECT_EQ(res.status, 400);
  const Json body = Json::parse(res.body);
  EXPECT_EQ(body["status"], "400");
  EXPECT_EQ(body["scimType"], "invalidFilter");
  EXPECT_EQ(body["detail"], "the filter has 101 terms; at most 100");
}

TEST(CallTest, InternalErrorsLeakNothingButTheRequestId) {
  for (absl::StatusCode code : {absl::StatusCode::kInternal, absl::StatusCode::kDataLoss,
                                absl::StatusCode::kUnknown}) {
    httplib::Request req;
    httplib::Response res;
    Call call{req, res};
    call.request_id = "abc123";
    call.Error(absl::Status(code, "IO error: /var/lib/scim/identity/000123.sst: corrupt"));
    EXPECT_EQ(res.status, 500);
    const Json body = Json::parse(res.body);
    EXPECT_EQ(body["status"], "500");
    EXPECT_EQ(res.body.find("sst"), std::string::npos) << res.body;
    EXPECT_NE(body["detail"].get<std::string>().find("abc123"), std::string::npos);
  }
  // 503 keeps its explanation: the client can act on it.
  httplib::Request req;
  httplib::Response res;
  Call call{req, res};
  call.Error(absl::UnavailableError("the audit backlog is full"));
  EXPECT_EQ(res.status, 503);
  EXPECT_NE(res.body.find("audit backlog"), std::string::npos);
}

}  // namespace
}  // namespace scim::edge
