#include <gtest/gtest.h>

#include <string>

#include "armada/serialization/base64.hpp"
#include "armada/serialization/errc.hpp"

using namespace armada;
using namespace armada::serialization;
using namespace std::string_literals;

TEST(serialization_base64, the_rfc_4648_test_vectors_encode_and_decode) {
  // RFC 4648, section 10
  const std::pair<std::string, std::string> vectors[] = {{"", ""},
                                                         {"f", "Zg=="},
                                                         {"fo", "Zm8="},
                                                         {"foo", "Zm9v"},
                                                         {"foob", "Zm9vYg=="},
                                                         {"fooba", "Zm9vYmE="},
                                                         {"foobar", "Zm9vYmFy"}};
  for (auto& [plain, encoded] : vectors) {
    EXPECT_EQ(base64_encode(plain), encoded);
    auto back = base64_decode(encoded);
    ASSERT_TRUE(back) << encoded << ": " << describe(back.error());
    EXPECT_EQ(*back, plain) << "padding must not leave extra bytes";
  }
}

TEST(serialization_base64, every_byte_value_and_nuls_round_trip) {
  std::string all;
  for (int i = 0; i < 256; ++i)
    all.push_back(static_cast<char>(i));
  all += "\0\0"s;
  auto back = base64_decode(base64_encode(all));
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, all);
  std::vector<std::byte> bytes{std::byte{0}, std::byte{0xfb}, std::byte{0xff}};
  EXPECT_EQ(base64_encode(bytes), "APv/");
  EXPECT_EQ(base64_decode_bytes("APv/"), bytes);
}

TEST(serialization_base64, a_one_mebibyte_payload_round_trips) {
  std::string big(1 << 20, '\0');
  for (std::size_t i = 0; i < big.size(); ++i)
    big[i] = static_cast<char>(i * 31 % 251);
  auto text = base64_encode(big);
  EXPECT_EQ(text.size(), (big.size() + 2) / 3 * 4);
  EXPECT_EQ(base64_decode(text), big);
}

TEST(serialization_base64, text_that_is_not_padded_base64_is_an_error_with_the_offset) {
  const std::pair<std::string, std::string> cases[] = {
      {"Zg", "multiple of 4"},          {"Zg=", "multiple of 4"},
      {"Zm9v!A==", "offset 4"},         {"Zm 9", "offset 2"},
      {"=Zg=", "'=' before the end"},   {"Zg==Zg==", "'=' before the end"},
      {"Z===", "'=' before the end"},   {"Zm9v\n", "multiple of 4"},
      {"Zm-_", "outside the alphabet"}, {"====", "'=' before the end"}};
  for (auto& [text, why] : cases) {
    auto back = base64_decode(text);
    ASSERT_FALSE(back) << "accepted: " << text;
    EXPECT_EQ(code_of(back.error()), static_cast<std::uint8_t>(errc::invalid_base64));
    auto message = describe(back.error());
    EXPECT_NE(message.find("invalid base64"), std::string::npos) << message;
    EXPECT_NE(message.find(why), std::string::npos) << text << ": " << message;
  }
}
