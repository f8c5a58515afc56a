#pragma once

#include "armada/serialization/codec.hpp"
#include "armada/serialization/json_codec.hpp"
#include "armada/serialization/protobuf_codec.hpp"
#include "armada/serialization/raw_codec.hpp"

namespace armada::serialization {

/// Picks the codec of `T`: protobuf_codec for generated Protobuf messages, raw_codec for
/// `std::string` and `std::vector<std::byte>`, json_codec for everything else (which then
/// needs to_json / from_json).
template <class T> struct default_codec_for { using type = json_codec<T>; };

template <protobuf_message T> struct default_codec_for<T> { using type = protobuf_codec<T>; };

template <raw_payload T> struct default_codec_for<T> { using type = raw_codec<T>; };

/// The codec herald uses for `T` unless told otherwise.
template <class T> using default_codec = typename default_codec_for<T>::type;

} // namespace armada::serialization
