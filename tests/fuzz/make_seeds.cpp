// Writes the seed corpora of the harnesses whose inputs are binary (or made by an encoder) with
// the product's own encoders: `fuzz_make_seeds <tests/fuzz/corpus>`. The JSON and XML seeds of
// the cloud providers are checked in as they are. Run it when an encoder's format changes.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <caf/binary_serializer.hpp>

#include "armada/aegis/member.hpp"
#include "armada/ago/record.hpp"
#include "armada/serialization/envelope.hpp"
#include "armada/serialization/event_codec.hpp"
#include "lease.hpp"
#include "wire_format.hpp"

namespace {

namespace fs = std::filesystem;
using namespace armada;
using namespace std::chrono_literals;

fs::path root;

void write(const std::string& harness, const std::string& name, const std::string& bytes) {
  fs::create_directories(root / harness);
  std::ofstream{root / harness / name, std::ios::binary} << bytes;
}

serialization::envelope sample_envelope() {
  serialization::envelope e;
  e.id = "3f1c0e7a-6a55-4a59-9f0e-3a4c2b1d0e9f";
  e.key = "customer-42";
  e.metadata = {{"content-type", "application/json"},
                {"traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}};
  e.payload = R"({"order":"A-17","total":12.5})";
  e.publish_time = std::chrono::system_clock::time_point{1714566896123456789ns};
  e.delivery_attempt = 2;
  e.topic = "orders";
  return e;
}

serialization::decoded_event sample_event() {
  serialization::decoded_event d;
  d.signal = "shop.order.paid";
  d.level = capitan::severity::warn;
  d.timestamp = capitan::time_point{1714566896000000000ns};
  d.fields = {capitan::key<std::string>{"order"}("A-17"),
              capitan::key<std::int64_t>{"big"}(-9000000000),
              capitan::key<std::uint64_t>{"huge"}(18446744073709551615u),
              capitan::key<double>{"total"}(12.5),
              capitan::key<bool>{"paid"}(true),
              capitan::key<capitan::bytes>{"raw"}(capitan::bytes{std::byte{0}, std::byte{0xff}}),
              capitan::key<std::chrono::nanoseconds>{"wait"}(-1500ms),
              capitan::key<capitan::time_point>{"at"}(capitan::time_point{1714566896123000000ns}),
              capitan::key<capitan::error_value>{"why"}({"E42", "card declined"})};
  d.trace_id = "4bf92f3577b34da6a3ce929d0e0e4736";
  d.correlation_id = "order-A-17";
  return d;
}

ago::saga_record sample_saga() {
  ago::saga_record r;
  r.id = "saga-1";
  r.type = "order";
  r.state = ago::saga_state::compensating;
  r.position = 1;
  r.steps = {{"reserve", 0, ago::step_status::done, 1, 0, "", 0},
             {"charge", 1, ago::step_status::failed, 3, 0, "card declined", 1714566896000}};
  r.compensations = {"reserve"};
  r.data = R"({"order":"A-17"})";
  r.error = "charge: card declined";
  r.created_ms = 1714566890000;
  r.updated_ms = 1714566896000;
  r.owner = "engine-a";
  r.lease_ms = 1714566926000;
  r.version = 7;
  return r;
}

std::string io_stream_seed(herald::io::format f, std::uint8_t how, const herald::message& m) {
  herald::io::options opts;
  opts.format = f;
  auto bytes = herald::io::detail::make_wire_format(opts)->encode(m);
  std::string out{static_cast<char>(how), static_cast<char>(7)}; // format flags, read size 8
  return out + *bytes + *bytes;
}

std::string gossip(const std::vector<aegis::member_info>& entries) {
  std::vector<char> buf;
  caf::binary_serializer sink{nullptr, buf};
  std::string from = "peer-1";
  std::vector<std::string> rooms{"lobby"};
  if (sink(from, entries, rooms))
    std::abort();
  return {buf.begin(), buf.end()};
}

} // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: fuzz_make_seeds <tests/fuzz/corpus>\n");
    return 2;
  }
  root = argv[1];
  auto e = sample_envelope();
  write("envelope", "full", serialization::encode(e));
  write("envelope", "empty-payload", serialization::encode(serialization::envelope{.id = "x", .topic = "t"}));
  write("embedded_record", "log-record", std::string(1, '\0') + serialization::encode(e));
  ago::saga_record saga = sample_saga();
  write("saga_record", "compensating", ago::to_json(saga));
  write("saga_record", "lease", ago::detail::encode_lease(1714566926000, "engine-a"));
  auto ev = sample_event();
  write("event", "all-kinds.pb", *serialization::encode_event(ev));
  write("event", "all-kinds.json", *serialization::encode_event_json(ev));
  herald::message m{.id = e.id, .key = e.key, .metadata = e.metadata, .payload = e.payload, .topic = e.topic,
                    .published = e.publish_time};
  write("io_stream", "frames", io_stream_seed(herald::io::format::frames, 0, m));
  write("io_stream", "ndjson", io_stream_seed(herald::io::format::ndjson, 1, m));
  m.payload = std::string{"\0\xff binary", 9};
  write("io_stream", "ndjson-base64", io_stream_seed(herald::io::format::ndjson, 5, m));
  aegis::member_info a{"peer-1", "alpha", "10.0.0.1", 4500, {"eu"}, {"pay"}, {"lobby"}, 3, 1, 0};
  aegis::member_info self_claim{"self", "fuzz", "10.0.0.2", 4501, {}, {}, {}, 1, 0, 1};
  write("mesh_gossip", "two-members", gossip({a, self_claim}));
  return 0;
}
