#include <chrono>
#include <cstdio>
#include <cstdlib>

#include <nlohmann/json.hpp>

#include "armada/herald/sigv4.hpp"
#include "herald_run.hpp"
#include "raw_cloud.hpp"
#include "raw_http.hpp"

namespace armada::bench {

namespace {

using clk = std::chrono::steady_clock;
namespace aws = herald::aws;

const aws::credentials creds{"test", "test", ""};

/// One signed request; exits unless it answers 200.
std::string signed_call(raw_http& c, const aws_endpoint& at, const std::string& service,
                        herald::http::header_list headers, std::string body, const std::string& what) {
  herald::http::request r;
  r.headers = std::move(headers);
  r.body = std::move(body);
  aws::sign_request(r, c.host_header(), at.region, service, creds);
  auto a = c.send("POST", "/", r.headers, r.body);
  if (a.status != 200) {
    std::fprintf(stderr, "raw %s: %s answered %d: %s\n", service.c_str(), what.c_str(), a.status,
                 a.body.substr(0, 300).c_str());
    std::exit(1);
  }
  return std::move(a.body);
}

/// An SQS action (JSON protocol).
nlohmann::json sqs_call(raw_http& c, const aws_endpoint& at, const std::string& action, const nlohmann::json& body) {
  auto text = signed_call(c, at, "sqs",
                          {{"Content-Type", "application/x-amz-json-1.0"}, {"X-Amz-Target", "AmazonSQS." + action}},
                          body.dump(), action);
  return text.empty() ? nlohmann::json::object() : nlohmann::json::parse(text);
}

std::string queue_url(raw_http& c, const aws_endpoint& at, const std::string& queue) {
  return sqs_call(c, at, "CreateQueue", {{"QueueName", queue}}).value("QueueUrl", std::string{});
}

/// Receives and deletes n messages of `url`; msgs/s from the first receive call.
double drain(raw_http& c, const aws_endpoint& at, const std::string& url, std::size_t n) {
  std::size_t got = 0;
  auto consuming = clk::now(); // the consume loop's start, as herald's is its subscribe
  auto deadline = clk::now() + std::chrono::minutes{5};
  while (got < n && clk::now() < deadline) {
    auto r = sqs_call(c, at, "ReceiveMessage",
                      {{"QueueUrl", url}, {"MaxNumberOfMessages", 10}, {"WaitTimeSeconds", 1},
                       {"VisibilityTimeout", 30}, {"MessageAttributeNames", {"All"}}});
    if (!r.contains("Messages") || r["Messages"].empty())
      continue;
    nlohmann::json entries = nlohmann::json::array();
    for (auto& m : r["Messages"])
      entries.push_back({{"Id", std::to_string(entries.size())}, {"ReceiptHandle", m["ReceiptHandle"]}});
    got += entries.size();
    sqs_call(c, at, "DeleteMessageBatch", {{"QueueUrl", url}, {"Entries", entries}});
  }
  if (got < n)
    std::fprintf(stderr, "raw sqs: only %zu of %zu messages within 5 minutes\n", got, n);
  return rate(got, clk::now() - consuming);
}

std::string xml_text(const std::string& xml, const std::string& tag) {
  auto a = xml.find("<" + tag + ">");
  auto b = xml.find("</" + tag + ">");
  if (a == std::string::npos || b == std::string::npos)
    return {};
  a += tag.size() + 2;
  return xml.substr(a, b - a);
}

} // namespace

figures raw_sqs(const aws_endpoint& at, const std::string& queue, std::size_t n, std::size_t size) {
  figures f;
  raw_http c{at.host, at.port};
  auto url = queue_url(c, at, queue);
  std::string payload(size, 'x');
  auto start = clk::now();
  for (std::size_t i = 0; i < n;) {
    nlohmann::json entries = nlohmann::json::array();
    for (std::size_t j = 0; j < 10 && i < n; ++j, ++i)
      entries.push_back({{"Id", std::to_string(j)},
                         {"MessageBody", payload},
                         {"MessageAttributes", {{"message-id", {{"DataType", "String"}, {"StringValue", std::to_string(i)}}}}}});
    sqs_call(c, at, "SendMessageBatch", {{"QueueUrl", url}, {"Entries", entries}});
  }
  f.publish = rate(n, clk::now() - start);
  f.consume = drain(c, at, url, n);
  return f;
}

figures raw_sns(const aws_endpoint& at, const std::string& topic, const std::string& queue, std::size_t n,
                std::size_t size) {
  figures f;
  raw_http c{at.host, at.port};
  const herald::http::header_list form{{"Content-Type", "application/x-www-form-urlencoded"}};
  auto arn = xml_text(signed_call(c, at, "sns", form, "Action=CreateTopic&Version=2010-03-31&Name=" + topic, "CreateTopic"),
                      "TopicArn");
  std::string payload(size, 'x');
  auto start = clk::now();
  for (std::size_t i = 0; i < n;) {
    auto body = "Action=PublishBatch&Version=2010-03-31&TopicArn=" + aws::uri_encode(arn);
    for (std::size_t j = 1; j <= 10 && i < n; ++j, ++i) {
      auto entry = "&PublishBatchRequestEntries.member." + std::to_string(j) + ".";
      body += entry + "Id=" + std::to_string(j) + entry + "Message=" + payload + entry
              + "MessageAttributes.entry.1.Name=message-id" + entry + "MessageAttributes.entry.1.Value.DataType=String"
              + entry + "MessageAttributes.entry.1.Value.StringValue=" + std::to_string(i);
    }
    signed_call(c, at, "sns", form, body, "PublishBatch");
  }
  f.publish = rate(n, clk::now() - start);
  f.consume = drain(c, at, queue_url(c, at, queue), n);
  return f;
}

} // namespace armada::bench
