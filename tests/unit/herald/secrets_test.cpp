// Secrets (broker passwords, tokens, AWS keys) never appear in errors, connection state,
// herald.error events or anything a provider prints: every provider that takes a secret, with a distinctive one, in
// bad URLs, bad properties and failed connections (to the real server of scripts/servers when
// it runs, which then refuses the credentials, else to a closed port).

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <functional>
#include <sstream>

#include <gtest/gtest.h>

#include "armada/herald/amqp.hpp"
#include "armada/herald/jetstream.hpp"
#include "armada/herald/kafka.hpp"
#include "armada/herald/nats.hpp"
#include "armada/herald/publisher.hpp"
#include "armada/herald/redis.hpp"
#include "armada/herald/sns.hpp"
#include "armada/herald/sqs.hpp"
#include "armada/herald/redact.hpp"
#include "armada/herald/url.hpp"
#include "armada/runtime.hpp"
#include "armada/runtime/error.hpp"
#include "armada/herald/signals.hpp"
#include "armada/testing/event_capture.hpp"
#include "armada/testing/servers.hpp"

using namespace armada;
using namespace std::chrono_literals;

namespace {

const std::string secret = "Zq7-s3cr3t-Xy9";

/// Everything the process writes to stdout and stderr while it lives (client libraries log
/// there), readable after `stop`.
class output_capture {
public:
  output_capture() {
    std::fflush(nullptr);
    char tmpl[] = "/tmp/herald-secrets-XXXXXX";
    fd_ = ::mkstemp(tmpl);
    path_ = tmpl;
    for (int i : {1, 2}) {
      saved_[i - 1] = ::dup(i);
      ::dup2(fd_, i);
    }
  }
  ~output_capture() {
    stop();
    ::unlink(path_.c_str());
  }
  std::string stop() {
    if (fd_ >= 0) {
      std::fflush(nullptr);
      for (int i : {1, 2}) {
        ::dup2(saved_[i - 1], i);
        ::close(saved_[i - 1]);
      }
      ::close(fd_);
      fd_ = -1;
    }
    std::ifstream in{path_};
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

private:
  int fd_ = -1;
  int saved_[2] = {-1, -1};
  std::string path_;
};

using connect_fn = std::function<caf::expected<herald::connection>(caf::actor_system&, std::string_view)>;

struct provider_case {
  std::string name;
  connect_fn connect;
  std::vector<std::string> urls; ///< "ADDR" stands for the server's host:port
  std::string server;            ///< the scripts/servers variable of its server
};

/// host:port of the running server `variable`, or a closed port.
std::string address_of(const std::string& variable) {
  if (auto u = armada::testing::servers::load().get(variable))
    if (auto parsed = herald::url::parse(*u))
      return parsed->host + ":" + std::to_string(parsed->port);
  return "127.0.0.1:1";
}

std::string with_address(std::string url, const std::string& addr) {
  if (auto at = url.find("ADDR"); at != std::string::npos)
    url.replace(at, 4, addr);
  return url;
}

std::vector<provider_case> cases() {
  auto s = secret;
  auto aws = "region=us-east-1&access-key-id=AKIDTEST&secret-access-key=" + s;
  auto kafka_sasl = "timeout=500&message-timeout=500&rdkafka.security.protocol=sasl_plaintext&rdkafka.sasl.mechanisms=PLAIN"
                    "&rdkafka.sasl.username=u&rdkafka.sasl.password=" + s;
  return {
    {"redis", herald::redis::connect,
     {"redis://:" + s + "@ADDR", "redis://user:" + s + "@ADDR/0", "redis://" + s + "@ADDR",
      "redis://:" + s + "@127.0.0.1:notaport", "redis://:" + s + "@ADDR?maxlen=many",
      "redis://:" + s + "@ADDR?bogus=1", "redis://:" + s + "@ADDR?prefetch"},
     "REDIS_URL"},
    {"amqp", herald::amqp::connect,
     {"amqp://guest:" + s + "@ADDR/", "amqp://guest:" + s + "@127.0.0.1:0/",
      "amqp://guest:" + s + "@ADDR/?bogus=1", "amqps://guest:" + s + "@ADDR/"},
     "AMQP_URL"},
    {"nats", herald::nats::connect,
     {"nats://user:" + s + "@ADDR", "nats://" + s + "@ADDR", "nats://user:" + s + "@127.0.0.1:x",
      "nats://user:" + s + "@ADDR?bogus=1"},
     "NATS_URL"},
    {"jetstream", herald::jetstream::connect,
     {"jetstream://user:" + s + "@ADDR", "jetstream://" + s + "@ADDR?bogus=1",
      "jetstream://user:" + s + "@127.0.0.1:x"},
     "NATS_URL"},
    {"kafka", herald::kafka::connect,
     {"kafka://ADDR?" + kafka_sasl, "kafka://user:" + s + "@ADDR",
      "kafka://127.0.0.1:x?" + kafka_sasl, "kafka://ADDR?bogus=1&" + kafka_sasl,
      "kafka://ADDR?rdkafka.sasl.mechanisms=NOPE&" + kafka_sasl},
     "KAFKA_URL"},
    {"sqs", herald::sqs::connect,
     {"sqs://ADDR?connect-timeout=500&max-attempts=1&" + aws, "sqs://127.0.0.1:x?" + aws,
      "sqs://ADDR?bogus=1&" + aws, "sqs://ADDR?max-attempts=lots&" + aws,
      "sqs://ADDR?session-token=" + s + "&max-attempts=lots&" + aws, "sqs://user:" + s + "@ADDR?" + aws},
     "SQS_URL"},
    {"sns", herald::sns::connect,
     {"sns://ADDR?connect-timeout=500&max-attempts=1&" + aws, "sns://127.0.0.1:x?" + aws,
      "sns://ADDR?bogus=1&" + aws},
     "SNS_URL"},
  };
}

} // namespace

class herald_secrets : public ::testing::TestWithParam<provider_case> {};

TEST_P(herald_secrets, the_secret_is_in_no_error_state_or_output) {
  auto& pc = GetParam();
  armada::config cfg;
  caf::actor_system sys{cfg};
  auto addr = address_of(pc.server);
  for (auto& pattern : pc.urls) {
    auto url = with_address(pattern, addr);
    std::vector<std::string> shown; // every text the user gets to see
    output_capture out;
    auto c = pc.connect(sys, url);
    if (!c) {
      shown.push_back(describe(c.error()));
    } else {
      // Through a publisher, so a failure is also a herald.error event.
      capitan::instance events{sys};
      armada::testing::event_capture errors{events, herald::signals::error};
      herald::publish_options opts;
      opts.timeout = 1s;
      opts.events = &events;
      herald::raw_publisher pub{*c, "secrets-test", opts};
      herald::message m;
      m.payload = "x";
      auto r = pub.publish(m);
      shown.push_back(r ? "published" : describe(r.error()));
      if (!r && errors.wait_for_count(1, 5s))
        for (auto& f : errors.events().front().fields())
          if (auto* text = std::get_if<std::string>(&f.value()))
            shown.push_back(*text);
      if (auto st = c->state())
        shown.push_back(st->url);
      c->close();
    }
    shown.push_back(out.stop());
    for (auto& text : shown)
      EXPECT_EQ(text.find(secret), std::string::npos)
        << pc.name << " shows the secret of " << pattern << " in: " << text;
    EXPECT_FALSE(shown.front().empty()) << pc.name << " " << pattern;
  }
}

INSTANTIATE_TEST_SUITE_P(providers, herald_secrets, ::testing::ValuesIn(cases()),
                         [](const auto& info) { return info.param.name; });

TEST(herald_redact, redact_hides_userinfo_passwords_tokens_and_secret_properties_only) {
  using herald::redact;
  EXPECT_EQ(redact("redis://:pw@h:1/0"), "redis://:***@h:1/0");
  EXPECT_EQ(redact("amqp://user:pw@h:1/vhost?prefetch=10"), "amqp://user:***@h:1/vhost?prefetch=10");
  EXPECT_EQ(redact("nats://tok@h:1"), "nats://***@h:1");
  EXPECT_EQ(redact("sqs://h:1?access-key-id=AK&secret-access-key=pw&session-token=t&region=r"),
            "sqs://h:1?access-key-id=AK&secret-access-key=***&session-token=***&region=r");
  EXPECT_EQ(redact("kafka://h:1?rdkafka.sasl.password=pw"), "kafka://h:1?rdkafka.sasl.password=***");
  EXPECT_EQ(redact("memory://scope"), "memory://scope");
  EXPECT_EQ(redact("not a url"), "not a url");
}
