#include "armada/serialization/envelope.hpp"

#include <climits>

#include "armada/serialization/errc.hpp"
#include "armada/serialization/v1/envelope.pb.h"

namespace armada::serialization {

namespace {

constexpr std::uint32_t envelope_format = 1;

caf::error not_an_envelope(std::size_t size, std::string_view why) {
  return make_error(errc::decode_failed,
                    "cannot decode envelope from " + std::to_string(size) +
                        " bytes: " + std::string{why} +
                        "; the frame is not an armada envelope (written by encode(envelope)) or "
                        "was cut short in transit");
}

} // namespace

std::string encode(const envelope& e) {
  v1::Envelope msg;
  msg.set_id(e.id);
  msg.set_key(e.key);
  for (auto& [k, v] : e.metadata) {
    auto entry = msg.add_metadata();
    entry->set_key(k);
    entry->set_value(v);
  }
  msg.set_payload(e.payload);
  msg.set_publish_time_unix_nanos(
      std::chrono::duration_cast<std::chrono::nanoseconds>(e.publish_time.time_since_epoch())
          .count());
  msg.set_delivery_attempt(e.delivery_attempt);
  msg.set_topic(e.topic);
  msg.set_format(envelope_format);
  if (msg.ByteSizeLong() > static_cast<std::size_t>(INT_MAX))
    return {};
  return msg.SerializeAsString();
}

caf::expected<envelope> decode_envelope(std::string_view bytes, std::size_t max_size) {
  if (bytes.size() > max_size)
    return make_error(errc::too_large,
                      "envelope of " + std::to_string(bytes.size()) +
                          " bytes exceeds the limit of " + std::to_string(max_size) +
                          " bytes; raise the provider's max message size or send smaller payloads");
  if (bytes.empty())
    return not_an_envelope(0, "the input is empty");
  if (bytes.size() > static_cast<std::size_t>(INT_MAX))
    return make_error(errc::too_large, "envelope of " + std::to_string(bytes.size()) +
                                           " bytes exceeds Protobuf's 2 GiB limit");
  v1::Envelope msg;
  if (!msg.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())))
    return not_an_envelope(bytes.size(), "the bytes do not parse as Protobuf");
  if (msg.format() == 0)
    return not_an_envelope(bytes.size(), "the format marker is missing");
  if (msg.format() > envelope_format)
    return make_error(errc::decode_failed, "envelope format " + std::to_string(msg.format()) +
                                               " is newer than this build understands (" +
                                               std::to_string(envelope_format) +
                                               "); upgrade armada on the receiving side");
  envelope out;
  out.id = std::move(*msg.mutable_id());
  out.key = std::move(*msg.mutable_key());
  for (auto& entry : *msg.mutable_metadata())
    out.metadata.insert_or_assign(std::move(*entry.mutable_key()),
                                  std::move(*entry.mutable_value()));
  out.payload = std::move(*msg.mutable_payload());
  out.publish_time = std::chrono::system_clock::time_point{
      std::chrono::duration_cast<std::chrono::system_clock::duration>(
          std::chrono::nanoseconds{msg.publish_time_unix_nanos()})};
  out.delivery_attempt = msg.delivery_attempt();
  out.topic = std::move(*msg.mutable_topic());
  return out;
}

} // namespace armada::serialization
