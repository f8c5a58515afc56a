#pragma once

// The on-disk layout of the embedded provider: keys and fixed-size records of its named LMDB
// databases. Sequence and id keys are big-endian, so LMDB's byte order is numeric order.
//
//   meta    "format" → format_name; "next-id" → u64 (topic and group ids)
//   topics  topic name → topic_record
//   groups  be64(topic id) + group name → group_record
//   log     be64(topic id) + be64(sequence) → Protobuf envelope (serialization/envelope.hpp)
//   leases  be64(group id) + be64(sequence) → lease_record
//
// Records are host-endian (an LMDB file is not portable across byte orders anyway).

#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

namespace armada::herald::embedded {

/// Written to meta "format" by the first open; checked by every later one.
inline constexpr std::string_view format_name = "armada.herald.embedded/1";

/// LMDB's default largest key; names are checked against it before they become keys.
inline constexpr std::size_t max_name_size = 400;

struct topic_record {
  std::uint64_t id = 0;
  std::uint64_t next = 0; ///< sequence of the next message published
  std::uint64_t head = 0; ///< oldest sequence still in the log (older ones were trimmed)
};

struct group_record {
  std::uint64_t id = 0;
  std::uint64_t next = 0; ///< oldest sequence this group has never been given
};

/// A message of a group that was delivered and not acked, or nacked and waiting.
struct lease_record {
  std::int64_t due_ms = 0;  ///< wall-clock ms since the epoch: visible to the group again from then
  std::uint64_t holder = 0; ///< subscription holding it; 0: nobody (nacked or released)
  std::uint32_t attempt = 0; ///< deliveries so far
  std::uint32_t reserved = 0;
};

inline void put_be64(char* out, std::uint64_t v) {
  for (int i = 7; i >= 0; --i) {
    out[i] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
}

inline std::uint64_t get_be64(const char* in) {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i)
    v = (v << 8) | static_cast<unsigned char>(in[i]);
  return v;
}

/// be64(a) + be64(b): a log key (topic id, sequence) or a lease key (group id, sequence).
struct pair_key {
  char bytes[16];
  pair_key(std::uint64_t a, std::uint64_t b) {
    put_be64(bytes, a);
    put_be64(bytes + 8, b);
  }
};

inline std::string_view key_of(const pair_key& k) {
  return {k.bytes, sizeof k.bytes};
}

/// be64(id): the prefix of a topic's log keys or a group's lease keys.
inline std::string id_prefix(std::uint64_t id) {
  std::string p(8, '\0');
  put_be64(p.data(), id);
  return p;
}

/// be64(topic id) + group name: a groups key.
inline std::string group_key(std::uint64_t topic_id, std::string_view group) {
  std::string k(8, '\0');
  put_be64(k.data(), topic_id);
  k.append(group);
  return k;
}

template <class Record>
std::string_view as_bytes(const Record& r) {
  return {reinterpret_cast<const char*>(&r), sizeof r};
}

/// The record in `bytes`, or nothing when the size is wrong (a damaged or foreign value).
template <class Record>
std::optional<Record> from_bytes(std::string_view bytes) {
  if (bytes.size() != sizeof(Record))
    return std::nullopt;
  Record r;
  std::memcpy(&r, bytes.data(), sizeof r);
  return r;
}

} // namespace armada::herald::embedded
