#include "sns_api.hpp"

#include <charconv>

#include <nlohmann/json.hpp>

#include "armada/herald/errc.hpp"
#include "armada/herald/json_call.hpp"
#include "armada/herald/sigv4.hpp"
#include "armada/herald/sqs.hpp"

namespace armada::herald::sns {

namespace {

std::string unescape(std::string s) {
  static const std::pair<const char*, const char*> entities[] = {
    {"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""}, {"&apos;", "'"}, {"&#xD;", "\r"}, {"&#xA;", "\n"}, {"&amp;", "&"}};
  for (auto& [from, to] : entities)
    for (auto at = s.find(from); at != std::string::npos; at = s.find(from, at + 1))
      s.replace(at, std::string_view{from}.size(), to);
  return s;
}

bool throttled(const http::response& r) {
  return http::default_retryable(r)
         || (r.status == 400 && (r.body.find("Throttl") != std::string::npos || r.body.find("RequestLimitExceeded") != std::string::npos));
}

} // namespace

std::string xml_text(const std::string& xml, const std::string& tag, std::size_t from) {
  auto open = xml.find("<" + tag + ">", from);
  if (open == std::string::npos)
    return {};
  open += tag.size() + 2;
  auto close = xml.find("</" + tag + ">", open);
  if (close == std::string::npos)
    return {};
  return unescape(xml.substr(open, close - open));
}

std::vector<std::string> xml_all(const std::string& xml, const std::string& tag) {
  std::vector<std::string> out;
  std::size_t at = 0;
  while ((at = xml.find("<" + tag + ">", at)) != std::string::npos) {
    auto start = at + tag.size() + 2;
    auto close = xml.find("</" + tag + ">", start);
    if (close == std::string::npos)
      break;
    out.push_back(xml.substr(start, close - start));
    at = close;
  }
  return out;
}

caf::error read_batch_answer(const std::string& xml, const std::string& arn, std::vector<publish_receipt>& receipts) {
  auto ok_at = xml.find("<Successful>");
  auto failed_at = xml.find("<Failed>");
  if (ok_at != std::string::npos)
    for (auto& member : xml_all(xml.substr(ok_at, failed_at == std::string::npos ? std::string::npos : failed_at - ok_at), "member")) {
      // Entry ids are the indexes we sent; an id that is not one of them names no receipt.
      auto id = xml_text(member, "Id");
      std::size_t index = 0;
      if (id.empty())
        id = "0";
      auto [end, ec] = std::from_chars(id.data(), id.data() + id.size(), index);
      if (ec == std::errc{} && end == id.data() + id.size() && index < receipts.size())
        receipts[index].broker = xml_text(member, "MessageId");
    }
  if (failed_at != std::string::npos) {
    auto failed = xml_all(xml.substr(failed_at), "member");
    if (!failed.empty())
      return make_error(errc::transport, "sns provider: PublishBatch to " + arn + " refused "
                                           + std::to_string(failed.size()) + " message(s): " + xml_text(failed[0], "Code")
                                           + " " + xml_text(failed[0], "Message"));
  }
  return caf::none;
}

api::api(const sqs::settings& s)
  : s_(s), client_(sqs::client_options(s, "sns provider", "is moto_server (or SNS) listening there? see scripts/servers")) {}

caf::expected<std::string> api::call(const std::string& action, const params& p, sqs::api_failure* failure) {
  http::request r;
  r.headers = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}};
  r.body = "Action=" + action + "&Version=2010-03-31";
  for (auto& [k, v] : p)
    r.body += "&" + aws::uri_encode(k) + "=" + aws::uri_encode(v);
  auto host = client_.host_header();
  auto res = client_.call(std::move(r), throttled, [&](http::request& req) {
    aws::sign_request(req, host, s_.region, "sns", s_.creds);
  });
  if (!res)
    return res.error();
  if (res->status == 200) {
    if (res->body.find("<" + action + "Response") == std::string::npos)
      return make_error(errc::transport, "sns provider: " + action + " at " + client_.endpoint()
                                           + " answered a malformed body: '" + res->body.substr(0, 200)
                                           + "'; is this endpoint SNS?");
    return std::move(res->body);
  }
  sqs::api_failure f{xml_text(res->body, "Code"), xml_text(res->body, "Message")};
  if (f.type.empty())
    f.text = res->body.substr(0, 200);
  if (failure != nullptr)
    *failure = f;
  std::string fix;
  if (res->status == 403 || f.type == "InvalidClientTokenId" || f.type == "SignatureDoesNotMatch")
    fix = "; check the credentials (properties access-key-id / secret-access-key, or AWS_ACCESS_KEY_ID / "
          "AWS_SECRET_ACCESS_KEY) and the region";
  return make_error(errc::transport, "sns provider: " + action + " at " + client_.endpoint() + " failed with HTTP "
                                       + std::to_string(res->status) + (f.type.empty() ? "" : " " + f.type) + ": "
                                       + f.text + fix);
}

caf::expected<std::string> api::topic_arn(const std::string& topic) {
  if (auto i = arns_.find(topic); i != arns_.end())
    return i->second;
  auto name = sqs::queue_name(s_.queue_prefix, topic, s_.fifo);
  if (!name)
    return name.error();
  params p{{"Name", *name}};
  if (s_.fifo) {
    p.emplace_back("Attributes.entry.1.key", "FifoTopic");
    p.emplace_back("Attributes.entry.1.value", "true");
  }
  auto r = call("CreateTopic", p);
  if (!r)
    return r.error();
  auto arn = xml_text(*r, "TopicArn");
  if (arn.empty())
    return make_error(errc::transport, "sns provider: CreateTopic of '" + *name + "' answered no TopicArn");
  arns_[topic] = arn;
  return arn;
}

caf::expected<std::string> api::wire(const std::string& topic, const std::string& queue_topic) {
  auto arn = topic_arn(topic);
  if (!arn)
    return arn.error();
  sqs::api queues{s_};
  auto url = queues.queue_url(queue_topic);
  if (!url)
    return url.error();
  auto attrs = queues.call("GetQueueAttributes", {{"QueueUrl", *url}, {"AttributeNames", {"QueueArn"}}});
  if (!attrs)
    return attrs.error();
  std::string queue_arn;
  if (attrs->contains("Attributes"))
    queue_arn = http::string_field((*attrs)["Attributes"], "QueueArn");
  if (queue_arn.empty())
    return make_error(errc::transport, "sns provider: GetQueueAttributes of '" + *url + "' answered no QueueArn");
  // The queue lets (only) this topic send to it, as SQS requires on the real cloud.
  nlohmann::json policy{{"Version", "2012-10-17"},
                        {"Statement",
                         {{{"Effect", "Allow"},
                           {"Principal", {{"Service", "sns.amazonaws.com"}}},
                           {"Action", "sqs:SendMessage"},
                           {"Resource", queue_arn},
                           {"Condition", {{"ArnEquals", {{"aws:SourceArn", *arn}}}}}}}}};
  auto set = queues.call("SetQueueAttributes", {{"QueueUrl", *url}, {"Attributes", {{"Policy", policy.dump()}}}});
  if (!set)
    return set.error();
  queues.close();
  auto sub = call("Subscribe", {{"TopicArn", *arn},
                                {"Protocol", "sqs"},
                                {"Endpoint", queue_arn},
                                {"Attributes.entry.1.key", "RawMessageDelivery"},
                                {"Attributes.entry.1.value", "true"},
                                {"ReturnSubscriptionArn", "true"}});
  if (!sub)
    return sub.error();
  return xml_text(*sub, "SubscriptionArn");
}

} // namespace armada::herald::sns
