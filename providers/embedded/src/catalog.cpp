#include "catalog.hpp"

#include "armada/herald/errc.hpp"

namespace armada::herald::embedded {

caf::error damaged(const lmdb_env& env, std::string_view what) {
  return make_error(errc::transport, "embedded provider: '" + env.path() + "' holds a damaged " + std::string{what}
                                       + " record; restore the file from a backup or start a new one");
}

caf::error check_name(std::string_view kind, const std::string& name) {
  if (name.empty())
    return make_error(errc::config, "embedded provider: the " + std::string{kind} + " name is empty");
  if (name.size() > max_name_size)
    return make_error(errc::config, "embedded provider: the " + std::string{kind} + " name '" + name.substr(0, 40)
                                      + "…' has " + std::to_string(name.size()) + " bytes; at most "
                                      + std::to_string(max_name_size) + " fit in an LMDB key");
  return caf::none;
}

caf::expected<std::uint64_t> next_id(transaction& txn) {
  auto& env = txn.env();
  std::uint64_t id = 1;
  std::string_view v;
  if (int rc = txn.get(env.meta, "next-id", v); rc == MDB_SUCCESS && v.size() == 8)
    id = get_be64(v.data());
  else if (rc != MDB_SUCCESS && rc != MDB_NOTFOUND)
    return env.error(rc, "reading the id counter");
  char out[8];
  put_be64(out, id + 1);
  if (int rc = txn.put(env.meta, "next-id", {out, 8}); rc != MDB_SUCCESS)
    return env.error(rc, "writing the id counter");
  return id;
}

/// The topic's record; with `create`, a new one (not yet written) when missing.
caf::expected<topic_record> load_topic(transaction& txn, const std::string& topic, bool create) {
  auto& env = txn.env();
  std::string_view v;
  int rc = txn.get(env.topics, topic, v);
  if (rc == MDB_SUCCESS) {
    if (auto t = from_bytes<topic_record>(v))
      return *t;
    return damaged(env, "topic '" + topic + "'");
  }
  if (rc != MDB_NOTFOUND)
    return env.error(rc, "reading topic '" + topic + "'");
  if (!create)
    return make_error(errc::transport, "embedded provider: topic '" + topic + "' is missing from '" + env.path()
                                         + "' (was the file replaced while in use?)");
  auto id = next_id(txn);
  if (!id)
    return id.error();
  return topic_record{*id, 0, 0};
}

caf::expected<group_record> load_group(const transaction& txn, std::uint64_t topic_id, const std::string& topic,
                                       const std::string& group) {
  auto& env = txn.env();
  std::string_view v;
  int rc = txn.get(env.groups, group_key(topic_id, group), v);
  if (rc == MDB_SUCCESS) {
    if (auto r = from_bytes<group_record>(v))
      return *r;
    return damaged(env, "group '" + group + "'");
  }
  if (rc == MDB_NOTFOUND)
    return make_error(errc::transport, "embedded provider: group '" + group + "' of topic '" + topic
                                         + "' is missing from '" + env.path()
                                         + "' (was the file replaced while in use?)");
  return env.error(rc, "reading group '" + group + "'");
}

} // namespace armada::herald::embedded
