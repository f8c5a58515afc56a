#include "embedded_store.hpp"

#include <charconv>
#include <map>

#include "armada/herald/errc.hpp"
#include "armada/runtime/uuid.hpp"
#include "armada/serialization/envelope.hpp"
#include "catalog.hpp"

namespace armada::herald::embedded {

std::int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
    .count();
}

std::optional<std::uint64_t> sequence_of(const message& m) {
  auto colon = m.broker.rfind(':');
  if (colon == std::string::npos)
    return std::nullopt;
  std::uint64_t seq = 0;
  auto first = m.broker.data() + colon + 1;
  auto last = m.broker.data() + m.broker.size();
  auto r = std::from_chars(first, last, seq);
  if (r.ec != std::errc{} || r.ptr != last || first == last)
    return std::nullopt;
  return seq;
}

caf::expected<std::vector<publish_receipt>> embedded_store::publish(const std::vector<message>& ms) {
  std::vector<publish_receipt> receipts;
  if (ms.empty())
    return receipts;
  // Encode outside the write transaction: the file's write lock is held as briefly as possible.
  std::vector<std::string> records;
  records.reserve(ms.size());
  receipts.reserve(ms.size());
  auto now = std::chrono::system_clock::now();
  for (auto& m : ms) {
    if (auto err = check_name("topic", m.topic))
      return err;
    serialization::envelope e;
    e.id = m.id.empty() ? uuid::random().to_string() : m.id;
    e.key = m.key;
    e.metadata = m.metadata;
    e.payload = m.payload;
    e.publish_time = m.published == std::chrono::system_clock::time_point{} ? now : m.published;
    e.topic = m.topic;
    records.push_back(serialization::encode(e));
    if (records.back().empty() || records.back().size() > serialization::default_max_envelope_size)
      return make_error(errc::encode, "embedded provider: message " + e.id + " to '" + m.topic + "' is "
                                        + std::to_string(m.payload.size()) + " bytes; at most "
                                        + std::to_string(serialization::default_max_envelope_size)
                                        + " bytes fit in one record");
    receipts.push_back(publish_receipt{std::move(e.id), {}});
  }
  auto txn = transaction::begin(*env_, true);
  if (!txn)
    return txn.error();
  std::map<std::string, topic_record> touched;
  for (std::size_t i = 0; i < ms.size(); ++i) {
    auto& topic = ms[i].topic;
    auto t = touched.find(topic);
    if (t == touched.end()) {
      auto rec = load_topic(*txn, topic, true);
      if (!rec)
        return rec.error();
      t = touched.emplace(topic, *rec).first;
    }
    auto seq = t->second.next++;
    if (int rc = txn->put(env_->log, key_of(pair_key{t->second.id, seq}), records[i]); rc != MDB_SUCCESS)
      return env_->error(rc, "publishing to '" + topic + "'");
    receipts[i].broker = topic + ":" + std::to_string(seq);
  }
  for (auto& [topic, t] : touched) {
    if (auto err = trim(*txn, topic, t))
      return err;
    if (int rc = txn->put(env_->topics, topic, as_bytes(t)); rc != MDB_SUCCESS)
      return env_->error(rc, "publishing to '" + topic + "'");
  }
  if (auto err = txn->commit(true))
    return err;
  env_->notify();
  return receipts;
}

caf::error embedded_store::trim(transaction& txn, const std::string& topic, topic_record& t) {
  bool over_count = t.next - t.head > static_cast<std::uint64_t>(opts_.retention);
  if (!over_count && opts_.retention_age.count() == 0)
    return caf::none;
  // Never past what a group has not finished: its next sequence and its oldest lease.
  auto low = t.next;
  std::vector<std::uint64_t> group_ids;
  {
    cursor c{txn, env_->groups};
    auto prefix = id_prefix(t.id);
    for (bool more = c.seek(prefix, prefix); more; more = c.next()) {
      auto g = from_bytes<group_record>(c.value());
      if (!g)
        return damaged(*env_, "group of topic '" + topic + "'");
      low = std::min(low, g->next);
      group_ids.push_back(g->id);
    }
    if (c.status() != MDB_SUCCESS)
      return env_->error(c.status(), "reading the groups of '" + topic + "'");
  }
  for (auto gid : group_ids) {
    cursor c{txn, env_->leases};
    if (c.seek(key_of(pair_key{gid, 0}), id_prefix(gid)))
      low = std::min(low, get_be64(c.key().data() + 8));
  }
  auto cutoff = std::chrono::system_clock::now() - opts_.retention_age;
  while (t.head < low) {
    pair_key k{t.id, t.head};
    if (t.next - t.head <= static_cast<std::uint64_t>(opts_.retention)) {
      if (opts_.retention_age.count() == 0)
        break;
      std::string_view v;
      if (txn.get(env_->log, key_of(k), v) == MDB_SUCCESS) {
        auto e = serialization::decode_envelope(v);
        if (e && e->publish_time > cutoff)
          break; // young enough (an undecodable record goes by age as if old)
      }
    }
    if (int rc = txn.del(env_->log, key_of(k)); rc != MDB_SUCCESS && rc != MDB_NOTFOUND)
      return env_->error(rc, "trimming '" + topic + "'");
    ++t.head;
  }
  return caf::none;
}

caf::expected<group_handle> embedded_store::join(const std::string& topic, const std::string& group) {
  if (auto err = check_name("topic", topic))
    return err;
  if (auto err = check_name("group", group))
    return err;
  auto txn = transaction::begin(*env_, true);
  if (!txn)
    return txn.error();
  auto t = load_topic(*txn, topic, true);
  if (!t)
    return t.error();
  if (int rc = txn->put(env_->topics, topic, as_bytes(*t)); rc != MDB_SUCCESS)
    return env_->error(rc, "subscribing to '" + topic + "'");
  group_handle g{topic, group, t->id, 0};
  auto key = group_key(t->id, group);
  std::string_view v;
  int rc = txn->get(env_->groups, key, v);
  if (rc == MDB_SUCCESS) {
    auto r = from_bytes<group_record>(v);
    if (!r)
      return damaged(*env_, "group '" + group + "'");
    g.group_id = r->id;
    return g; // nothing written: the transaction aborts
  }
  if (rc != MDB_NOTFOUND)
    return env_->error(rc, "reading group '" + group + "'");
  auto id = next_id(*txn);
  if (!id)
    return id.error();
  g.group_id = *id;
  if (rc = txn->put(env_->groups, key, as_bytes(group_record{*id, t->head})); rc != MDB_SUCCESS)
    return env_->error(rc, "creating group '" + group + "' of '" + topic + "'");
  if (auto err = txn->commit())
    return err;
  return g;
}

caf::error embedded_store::touch() {
  auto txn = transaction::begin(*env_, false);
  if (!txn)
    return txn.error();
  std::string_view v;
  if (int rc = txn->get(env_->meta, "format", v); rc != MDB_SUCCESS)
    return env_->error(rc, "reading the file format");
  return caf::none;
}

} // namespace armada::herald::embedded
