// AWS Signature Version 4 against AWS's published aws-sig-v4-test-suite (credentials
// AKIDEXAMPLE / wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY, 20150830T123600Z, us-east-1, service
// "service"): each case's canonical request (.creq), string to sign (.sts) and Authorization
// header (.authz) as the suite publishes them.

#include <gtest/gtest.h>

#include "armada/herald/sigv4.hpp"

using armada::herald::aws::credentials;
using armada::herald::aws::sign;
using armada::herald::aws::signing_input;

namespace {

const credentials suite_creds{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", ""};

signing_input suite_request(std::string method, std::string query = {},
                            std::vector<std::pair<std::string, std::string>> extra = {}, std::string body = {}) {
  signing_input in;
  in.method = std::move(method);
  in.path = "/";
  in.query = std::move(query);
  in.headers = {{"Host", "example.amazonaws.com"}, {"X-Amz-Date", "20150830T123600Z"}};
  for (auto& h : extra)
    in.headers.push_back(h);
  in.body = std::move(body);
  in.region = "us-east-1";
  in.service = "service";
  in.amz_date = "20150830T123600Z";
  return in;
}

const std::string empty_sha = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
const std::string scope = "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n";
const std::string credential = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, ";

} // namespace

TEST(sigv4, get_vanilla_signs_as_the_aws_test_suite_does) {
  auto s = sign(suite_request("GET"), suite_creds);
  EXPECT_EQ(s.canonical_request,
            "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n" + empty_sha);
  EXPECT_EQ(s.string_to_sign, scope + "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63");
  EXPECT_EQ(s.authorization, credential
                               + "SignedHeaders=host;x-amz-date, "
                                 "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
}

TEST(sigv4, post_vanilla_signs_as_the_aws_test_suite_does) {
  auto s = sign(suite_request("POST"), suite_creds);
  EXPECT_EQ(s.canonical_request,
            "POST\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n" + empty_sha);
  EXPECT_EQ(s.string_to_sign, scope + "553f88c9e4d10fc9e109e2aeb65f030801b70c2f6468faca261d401ae622fc87");
  EXPECT_EQ(s.authorization, credential
                               + "SignedHeaders=host;x-amz-date, "
                                 "Signature=5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b");
}

TEST(sigv4, query_parameters_are_sorted_as_in_get_vanilla_query_order_key_case) {
  auto s = sign(suite_request("GET", "Param2=value2&Param1=value1"), suite_creds);
  EXPECT_EQ(s.canonical_request, "GET\n/\nParam1=value1&Param2=value2\nhost:example.amazonaws.com\n"
                                 "x-amz-date:20150830T123600Z\n\nhost;x-amz-date\n" + empty_sha);
  EXPECT_EQ(s.string_to_sign, scope + "816cd5b414d056048ba4f7c5386d6e0533120fb1fcfa93762cf0fc39e2cf19e0");
  EXPECT_EQ(s.authorization, credential
                               + "SignedHeaders=host;x-amz-date, "
                                 "Signature=b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500");
}

TEST(sigv4, header_values_are_trimmed_as_in_get_header_value_trim) {
  auto s = sign(suite_request("GET", {}, {{"My-Header1", " value1"}, {"My-Header2", " \"a   b   c\""}}), suite_creds);
  EXPECT_EQ(s.canonical_request, "GET\n/\n\nhost:example.amazonaws.com\nmy-header1:value1\nmy-header2:\"a b c\"\n"
                                 "x-amz-date:20150830T123600Z\n\nhost;my-header1;my-header2;x-amz-date\n" + empty_sha);
  EXPECT_EQ(s.string_to_sign, scope + "a726db9b0df21c14f559d0a978e563112acb1b9e05476f0a6a1c7d68f28605c7");
  EXPECT_EQ(s.authorization, credential
                               + "SignedHeaders=host;my-header1;my-header2;x-amz-date, "
                                 "Signature=acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736");
}

TEST(sigv4, repeated_headers_are_joined_in_order_as_in_get_header_key_duplicate) {
  auto s = sign(suite_request("GET", {}, {{"My-Header1", "value2"}, {"My-Header1", "value2"}, {"My-Header1", "value1"}}),
                suite_creds);
  EXPECT_EQ(s.canonical_request, "GET\n/\n\nhost:example.amazonaws.com\nmy-header1:value2,value2,value1\n"
                                 "x-amz-date:20150830T123600Z\n\nhost;my-header1;x-amz-date\n" + empty_sha);
  EXPECT_EQ(s.string_to_sign, scope + "dc7f04a3abfde8d472b0ab1a418b741b7c67174dad1551b4117b15527fbe966c");
  EXPECT_EQ(s.authorization, credential
                               + "SignedHeaders=host;my-header1;x-amz-date, "
                                 "Signature=c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea");
}

TEST(sigv4, a_form_body_is_hashed_as_in_post_x_www_form_urlencoded) {
  auto s = sign(suite_request("POST", {}, {{"Content-Type", "application/x-www-form-urlencoded"}}, "Param1=value1"),
                suite_creds);
  EXPECT_EQ(s.canonical_request, "POST\n/\n\ncontent-type:application/x-www-form-urlencoded\n"
                                 "host:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n"
                                 "content-type;host;x-amz-date\n"
                                 "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e");
  EXPECT_EQ(s.string_to_sign, scope + "42a5e5bb34198acb3e84da4f085bb7927f2bc277ca766e6d19c73c2154021281");
  EXPECT_EQ(s.authorization, credential
                               + "SignedHeaders=content-type;host;x-amz-date, "
                                 "Signature=ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a");
}

TEST(sigv4, a_session_token_is_signed_as_in_post_sts_header_before) {
  const std::string token =
    "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthA"
    "x7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAki"
    "Y9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA==";
  auto s = sign(suite_request("POST", {}, {{"X-Amz-Security-Token", token}}), suite_creds);
  EXPECT_EQ(s.string_to_sign, scope + "c237e1b440d4c63c32ca95b5b99481081cb7b13c7e40434868e71567c1a882f6");
  EXPECT_EQ(s.authorization, credential
                               + "SignedHeaders=host;x-amz-date;x-amz-security-token, "
                                 "Signature=85d96828115b5dc0cfc3bd16ad9e210dd772bbebba041836c64533a82be05ead");
}

TEST(sigv4, amz_date_formats_utc_seconds) {
  auto t = std::chrono::system_clock::time_point{std::chrono::seconds{1440938160}};
  EXPECT_EQ(armada::herald::aws::amz_date(t), "20150830T123600Z");
}

TEST(sigv4, uri_encode_keeps_unreserved_characters_only) {
  EXPECT_EQ(armada::herald::aws::uri_encode("a-b_c.d~e f/g+h=é"), "a-b_c.d~e%20f%2Fg%2Bh%3D%C3%A9");
}
