#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "armada/serialization/errc.hpp"
#include "armada/serialization/event_codec.hpp"
#include "armada/serialization/protobuf_codec.hpp"
#include "event_formats.hpp"
#include "shop.hpp"
#include "shop_test.pb.h"

using namespace armada;
using namespace armada::serialization;

namespace {

const capitan::signal order_placed{"test.serialization.custom.order_placed"};
const capitan::key<shop::order> order_key{"order", "shop.Order"};
const capitan::key<shop::test::Order> proto_order_key{"proto_order", "shop.test.Order"};

capitan::event order_event() {
  return capitan::event::make(order_placed, capitan::severity::info,
                              {order_key({"A-1", 3}), capitan::key<std::int32_t>{"n"}(1)});
}

bool contains(const caf::error& err, std::string_view part) {
  return describe(err).find(part) != std::string::npos;
}

/// A user codec writing `id,lines` as text/plain.
struct order_text_codec {
  using value_type = shop::order;
  std::string content_type() const { return "text/plain"; }
  caf::expected<std::string> encode(const shop::order& o) const {
    return o.id + "," + std::to_string(o.lines);
  }
  caf::expected<shop::order> decode(std::string_view text) const {
    auto comma = text.find(',');
    if (comma == std::string_view::npos)
      return make_error(errc::decode_failed, "order text: no comma");
    return shop::order{std::string{text.substr(0, comma)},
                       std::stoi(std::string{text.substr(comma + 1)})};
  }
};

class custom_fields : public ::testing::TestWithParam<test::event_format> {};

} // namespace

TEST_P(custom_fields, a_registered_type_comes_back_as_the_same_type_under_its_key) {
  custom_registry reg;
  ASSERT_FALSE(reg.add<shop::order>("shop.Order"));
  auto bytes = GetParam().encode(order_event(), reg);
  ASSERT_TRUE(bytes) << describe(bytes.error());
  event_decode_options opts;
  opts.registry = &reg;
  auto decoded = GetParam().decode(*bytes, opts);
  ASSERT_TRUE(decoded) << describe(decoded.error());
  auto e = make_event(*decoded);
  EXPECT_EQ(order_key.from(e), (shop::order{"A-1", 3}));
  EXPECT_EQ(e.find("order")->variant(), "shop.Order");
  EXPECT_EQ((capitan::key<shop::order>{"order", "shop.Other"}.from(e)), std::nullopt);
}

TEST_P(custom_fields, a_type_registered_with_the_protobuf_codec_round_trips) {
  custom_registry reg;
  ASSERT_FALSE(reg.add<shop::test::Order>("shop.test.Order", protobuf_codec<shop::test::Order>{}));
  shop::test::Order o;
  o.set_id("P-9");
  o.add_skus("sku-1");
  auto e = capitan::event::make(order_placed, capitan::severity::info, {proto_order_key(o)});
  auto bytes = GetParam().encode(e, reg);
  ASSERT_TRUE(bytes) << describe(bytes.error());
  event_decode_options opts;
  opts.registry = &reg;
  auto decoded = GetParam().decode(*bytes, opts);
  ASSERT_TRUE(decoded) << describe(decoded.error());
  auto back = proto_order_key.from(make_event(*decoded));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->id(), "P-9");
  EXPECT_EQ(back->skus(0), "sku-1");
}

TEST_P(custom_fields, encoding_an_unregistered_variant_names_it_and_register_custom) {
  custom_registry empty;
  auto bytes = GetParam().encode(order_event(), empty);
  ASSERT_FALSE(bytes);
  EXPECT_EQ(code_of(bytes.error()), static_cast<std::uint8_t>(errc::unknown_custom_variant));
  EXPECT_TRUE(contains(bytes.error(), "'shop.Order'")) << describe(bytes.error());
  EXPECT_TRUE(contains(bytes.error(), "register_custom<T>(\"shop.Order\")"))
      << describe(bytes.error());
  EXPECT_TRUE(contains(bytes.error(), "field 'order'")) << describe(bytes.error());
}

TEST_P(custom_fields, decoding_an_unregistered_variant_is_an_error_by_default) {
  custom_registry sender, receiver;
  ASSERT_FALSE(sender.add<shop::order>("shop.Order"));
  auto bytes = GetParam().encode(order_event(), sender);
  ASSERT_TRUE(bytes);
  event_decode_options opts;
  opts.registry = &receiver;
  auto decoded = GetParam().decode(*bytes, opts);
  ASSERT_FALSE(decoded);
  EXPECT_EQ(code_of(decoded.error()), static_cast<std::uint8_t>(errc::unknown_custom_variant));
  EXPECT_TRUE(contains(decoded.error(), "register_custom<T>(\"shop.Order\")"))
      << describe(decoded.error());
}

TEST_P(custom_fields, an_unregistered_variant_kept_opaque_is_forwarded_unchanged) {
  custom_registry origin, relay, destination;
  ASSERT_FALSE(origin.add<shop::order>("shop.Order"));
  ASSERT_FALSE(destination.add<shop::order>("shop.Order"));
  auto bytes = GetParam().encode(order_event(), origin);
  ASSERT_TRUE(bytes);
  event_decode_options opts;
  opts.registry = &relay;
  opts.on_unknown_custom = unknown_custom::keep_opaque;
  auto at_relay = GetParam().decode(*bytes, opts);
  ASSERT_TRUE(at_relay) << describe(at_relay.error());
  auto opaque = capitan::key<opaque_custom>{"order", "shop.Order"}.from(make_event(*at_relay));
  ASSERT_TRUE(opaque);
  EXPECT_EQ(opaque->content_type, "application/json");
  EXPECT_EQ(nlohmann::json::parse(opaque->data),
            nlohmann::json::parse(R"({"id":"A-1","lines":3})"));
  auto forwarded = GetParam().encode(make_event(*at_relay), relay);
  ASSERT_TRUE(forwarded) << describe(forwarded.error());
  opts.registry = &destination;
  opts.on_unknown_custom = unknown_custom::reject;
  auto at_destination = GetParam().decode(*forwarded, opts);
  ASSERT_TRUE(at_destination) << describe(at_destination.error());
  EXPECT_EQ(order_key.from(make_event(*at_destination)), (shop::order{"A-1", 3}));
}

TEST_P(custom_fields, a_variant_registered_with_another_codec_is_a_content_type_error) {
  custom_registry sender, receiver;
  ASSERT_FALSE(sender.add<shop::order>("shop.Order"));
  ASSERT_FALSE(receiver.add<shop::order>("shop.Order", order_text_codec{}));
  auto bytes = GetParam().encode(order_event(), sender);
  ASSERT_TRUE(bytes) << describe(bytes.error());
  event_decode_options opts;
  opts.registry = &receiver;
  auto decoded = GetParam().decode(*bytes, opts);
  ASSERT_FALSE(decoded);
  EXPECT_EQ(code_of(decoded.error()), static_cast<std::uint8_t>(errc::wrong_content_type));
  EXPECT_TRUE(contains(decoded.error(), "'application/json'")) << describe(decoded.error());
  EXPECT_TRUE(contains(decoded.error(), "'text/plain'")) << describe(decoded.error());
}

TEST_P(custom_fields, a_custom_codec_of_the_user_round_trips) {
  custom_registry reg;
  ASSERT_FALSE(reg.add<shop::order>("shop.Order", order_text_codec{}));
  auto bytes = GetParam().encode(order_event(), reg);
  ASSERT_TRUE(bytes) << describe(bytes.error());
  event_decode_options opts;
  opts.registry = &reg;
  auto decoded = GetParam().decode(*bytes, opts);
  ASSERT_TRUE(decoded) << describe(decoded.error());
  EXPECT_EQ(order_key.from(make_event(*decoded)), (shop::order{"A-1", 3}));
}

INSTANTIATE_TEST_SUITE_P(serialization, custom_fields,
                         ::testing::Values(test::protobuf_form(), test::json_form()),
                         [](const auto& info) { return info.param.name; });

TEST(serialization_custom_registry, register_custom_fills_the_default_registry_the_codecs_use) {
  ASSERT_FALSE(register_custom<shop::order>("test.registry.Order"));
  EXPECT_TRUE(default_custom_registry().contains("test.registry.Order"));
  capitan::key<shop::order> key{"o", "test.registry.Order"};
  auto e = capitan::event::make(order_placed, capitan::severity::info, {key({"D-1", 1})});
  auto bytes = encode_event(e);
  ASSERT_TRUE(bytes) << describe(bytes.error());
  auto decoded = decode_event(*bytes);
  ASSERT_TRUE(decoded) << describe(decoded.error());
  EXPECT_EQ(key.from(make_event(*decoded)), (shop::order{"D-1", 1}));
}

TEST(serialization_custom_registry, one_variant_cannot_name_two_types) {
  custom_registry reg;
  ASSERT_FALSE(reg.add<shop::order>("shop.Order"));
  EXPECT_FALSE(reg.add<shop::order>("shop.Order")) << "the same type again replaces the codec";
  auto err = reg.add<shop::cents>("shop.Order");
  ASSERT_TRUE(err);
  EXPECT_EQ(code_of(err), static_cast<std::uint8_t>(errc::type_mismatch));
  EXPECT_TRUE(contains(err, "shop::order")) << describe(err);
  EXPECT_TRUE(contains(err, "shop::cents")) << describe(err);
  EXPECT_EQ(reg.variants(), std::vector<std::string>{"shop.Order"});
}

TEST(serialization_custom_registry, a_key_of_another_type_under_a_registered_variant_is_refused) {
  custom_registry reg;
  ASSERT_FALSE(reg.add<shop::order>("shop.Order"));
  capitan::key<shop::cents> wrong{"order", "shop.Order"};
  auto bytes =
      encode_event(capitan::event::make(order_placed, capitan::severity::info, {wrong({5})}), reg);
  ASSERT_FALSE(bytes);
  EXPECT_EQ(code_of(bytes.error()), static_cast<std::uint8_t>(errc::type_mismatch));
  EXPECT_TRUE(contains(bytes.error(), "holds shop::cents")) << describe(bytes.error());
}

TEST(serialization_custom_registry, the_json_form_embeds_a_json_custom_value_as_json) {
  custom_registry reg;
  ASSERT_FALSE(reg.add<shop::order>("shop.Order"));
  auto text = encode_event_json(order_event(), reg);
  ASSERT_TRUE(text);
  auto j = nlohmann::json::parse(*text);
  auto& f = j["fields"][0];
  EXPECT_EQ(f["type"], "custom");
  EXPECT_EQ(f["variant"], "shop.Order");
  EXPECT_EQ(f["content_type"], "application/json");
  EXPECT_EQ(f["value"]["id"], "A-1");
}
