// Frames: a 4-byte big-endian length, then that many bytes of a Protobuf
// `armada.serialization.v1.Envelope` (id, key, metadata, payload, publish time, attempt, topic).

#include <algorithm>

#include "armada/herald/errc.hpp"
#include "armada/runtime/error.hpp"
#include "armada/serialization/envelope.hpp"
#include "wire_format.hpp"

namespace armada::herald::io::detail {

namespace {

constexpr std::size_t header_size = 4;

class frame_format final : public wire_format {
public:
  explicit frame_format(const options& opts)
    : opts_(opts) {}

  caf::expected<std::string> encode(const message& m) const override {
    serialization::envelope e;
    e.id = m.id;
    e.key = m.key;
    e.metadata = m.metadata;
    e.payload = m.payload;
    e.publish_time = m.published;
    e.delivery_attempt = 0; // not delivered yet
    e.topic = m.topic;
    auto body = serialization::encode(e);
    if (body.empty() || body.size() > opts_.max_frame)
      return message_too_large(opts_, m, body.empty() ? m.payload.size() : body.size());
    std::string out;
    out.reserve(header_size + body.size());
    auto n = static_cast<std::uint32_t>(body.size());
    out += static_cast<char>((n >> 24) & 0xff);
    out += static_cast<char>((n >> 16) & 0xff);
    out += static_cast<char>((n >> 8) & 0xff);
    out += static_cast<char>(n & 0xff);
    out += body;
    return out;
  }

  decoded decode(std::string_view bytes, std::uint64_t offset, std::size_t) const override {
    decoded d;
    if (bytes.size() < header_size) {
      d.scanned = bytes.size();
      return d;
    }
    auto byte = [&](std::size_t i) {
      return static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i]));
    };
    std::size_t size = (byte(0) << 24) | (byte(1) << 16) | (byte(2) << 8) | byte(3);
    if (size > opts_.max_frame)
      return failed(frame_too_large(opts_, offset, size, false));
    if (bytes.size() < header_size + size) {
      d.scanned = bytes.size();
      return d;
    }
    auto e = serialization::decode_envelope(bytes.substr(header_size, size), opts_.max_frame);
    if (!e)
      return failed(make_error(
          errc::decode, "io provider: the frame at byte " + std::to_string(offset) + " of " +
                            opts_.name + " is not an armada frame (" + armada::describe(e.error()) +
                            "); was the stream written by the io provider "
                            "with format=frames? the stream is not read any "
                            "further"));
    auto topic = e->topic.empty() ? opts_.default_topic : e->topic;
    if (topic.empty())
      return failed(make_error(errc::decode, "io provider: the frame at byte " +
                                                 std::to_string(offset) + " of " + opts_.name +
                                                 " has no topic; set the `topic` property to give "
                                                 "such messages one"));
    d.what = decoded::status::message;
    d.consumed = header_size + size;
    d.msg.id = e->id.empty() ? fresh_id() : std::move(e->id);
    d.msg.key = std::move(e->key);
    d.msg.metadata = std::move(e->metadata);
    d.msg.payload = std::move(e->payload);
    d.msg.topic = std::move(topic);
    d.msg.published = e->publish_time;
    d.msg.attempt = std::max<std::uint32_t>(1, e->delivery_attempt);
    d.msg.broker = std::to_string(offset);
    return d;
  }

private:
  static decoded failed(caf::error err) {
    decoded d;
    d.what = decoded::status::failed;
    d.error = std::move(err);
    return d;
  }

  options opts_;
};

} // namespace

std::unique_ptr<wire_format> make_frame_format(const options& opts) {
  return std::make_unique<frame_format>(opts);
}

} // namespace armada::herald::io::detail
