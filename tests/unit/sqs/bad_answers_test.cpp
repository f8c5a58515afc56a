// The sqs provider against a scripted server of the test's own: 5xx and throttling are retried,
// a malformed body and a rejected signature are clear errors, requests are signed, and a publish
// that keeps failing is an error — never a silent success.

#include <gtest/gtest.h>

#include "armada/herald/errc.hpp"
#include "armada/herald/sqs.hpp"
#include "armada/runtime/error.hpp"
#include "scripted_server.hpp"

using namespace armada;
using armada::testing_http::scripted_server;

namespace {

std::string url_of(const scripted_server& s) {
  return "sqs://127.0.0.1:" + std::to_string(s.port())
         + "?access-key-id=AKIDTEST&secret-access-key=TOPSECRET&region=eu-west-1&max-attempts=3";
}

std::string ok(const std::string& json) {
  return scripted_server::reply(200, json);
}

herald::message msg() {
  herald::message m;
  m.id = "id-1";
  m.topic = "orders";
  m.payload = "p";
  return m;
}

} // namespace

TEST(sqs_bad_answers, requests_are_signed_sigv4_for_sqs_in_the_region) {
  scripted_server server{{ok("{}")}};
  ASSERT_TRUE(herald::sqs::make_driver(url_of(server)));
  auto req = server.last_request();
  EXPECT_NE(req.find("X-Amz-Target: AmazonSQS.ListQueues"), std::string::npos) << req;
  EXPECT_NE(req.find("Content-Type: application/x-amz-json-1.0"), std::string::npos) << req;
  EXPECT_NE(req.find("Authorization: AWS4-HMAC-SHA256 Credential=AKIDTEST/"), std::string::npos) << req;
  EXPECT_NE(req.find("/eu-west-1/sqs/aws4_request"), std::string::npos) << req;
  EXPECT_EQ(req.find("TOPSECRET"), std::string::npos) << req;
}

TEST(sqs_bad_answers, a_500_is_retried_and_the_publish_goes_through) {
  scripted_server server{{ok("{}"), scripted_server::reply(500, "{\"__type\":\"InternalError\"}"),
                          ok("{\"QueueUrl\":\"http://127.0.0.1:1/1/orders\"}"), ok("{\"MessageId\":\"m-1\"}")}};
  auto d = herald::sqs::make_driver(url_of(server));
  ASSERT_TRUE(d) << describe(d.error());
  auto r = (*d)->publish(msg());
  ASSERT_TRUE(r) << describe(r.error());
  EXPECT_EQ(r->broker, "m-1");
  EXPECT_EQ(server.requests(), 4);
}

TEST(sqs_bad_answers, throttling_is_retried) {
  scripted_server server{{ok("{}"),
                          scripted_server::reply(400, "{\"__type\":\"com.amazonaws.sqs#ThrottlingException\","
                                                      "\"message\":\"Rate exceeded\"}"),
                          ok("{\"QueueUrl\":\"http://127.0.0.1:1/1/orders\"}"), ok("{\"MessageId\":\"m-2\"}")}};
  auto d = herald::sqs::make_driver(url_of(server));
  ASSERT_TRUE(d) << describe(d.error());
  auto r = (*d)->publish(msg());
  ASSERT_TRUE(r) << describe(r.error());
  EXPECT_EQ(r->broker, "m-2");
}

TEST(sqs_bad_answers, a_publish_that_keeps_failing_is_an_error_naming_the_action_and_the_endpoint) {
  auto e500 = scripted_server::reply(503, "{\"__type\":\"ServiceUnavailable\",\"message\":\"try later\"}");
  scripted_server server{{ok("{}"), ok("{\"QueueUrl\":\"http://127.0.0.1:1/1/orders\"}"), e500, e500, e500}};
  auto d = herald::sqs::make_driver(url_of(server));
  ASSERT_TRUE(d) << describe(d.error());
  auto r = (*d)->publish(msg());
  ASSERT_FALSE(r);
  auto text = describe(r.error());
  EXPECT_NE(text.find("SendMessage at 127.0.0.1:" + std::to_string(server.port()) + " failed with HTTP 503"),
            std::string::npos) << text;
  EXPECT_EQ(server.requests(), 5); // ping, GetQueueUrl, three attempts
}

TEST(sqs_bad_answers, a_malformed_body_is_a_clear_error) {
  scripted_server server{{ok("<html>a proxy page</html>")}};
  auto d = herald::sqs::make_driver(url_of(server));
  ASSERT_FALSE(d);
  EXPECT_EQ(herald::code_of(d.error()), herald::errc::transport);
  EXPECT_NE(describe(d.error()).find("malformed body"), std::string::npos) << describe(d.error());
}

TEST(sqs_bad_answers, a_rejected_signature_names_the_credentials_and_region_but_never_the_secret) {
  scripted_server server{{scripted_server::reply(
    403, "{\"__type\":\"com.amazonaws.sqs#SignatureDoesNotMatch\",\"message\":\"Credential should be scoped to a "
         "valid region.\"}")}};
  auto d = herald::sqs::make_driver(url_of(server));
  ASSERT_FALSE(d);
  auto text = describe(d.error());
  EXPECT_NE(text.find("SignatureDoesNotMatch"), std::string::npos) << text;
  EXPECT_NE(text.find("check the credentials"), std::string::npos) << text;
  EXPECT_NE(text.find("region"), std::string::npos) << text;
  EXPECT_EQ(text.find("TOPSECRET"), std::string::npos) << text;
  EXPECT_EQ(server.requests(), 1); // a 4xx is not retried
}
