// The group side of the embedded store: what a group may take, leases, acks, nacks, release.

#include <algorithm>

#include "armada/herald/envelope_message.hpp"
#include "armada/runtime/error.hpp"
#include "armada/serialization/envelope.hpp"
#include "catalog.hpp"
#include "embedded_store.hpp"

namespace armada::herald::embedded {

message to_message(const group_handle& g, std::uint64_t seq, std::string bytes, std::uint32_t attempt) {
  message m;
  m.topic = g.topic;
  m.broker = g.topic + ":" + std::to_string(seq);
  m.attempt = attempt;
  auto e = serialization::decode_envelope(bytes);
  if (!e) {
    // Never a crash and never a silent loss: the subscriber sees what is there, marked.
    m.id = "embedded:" + m.broker;
    m.payload = std::move(bytes);
    m.metadata["content-type"] = "application/x-armada-undecodable";
    m.metadata["embedded-decode-error"] = armada::describe(e.error());
    return m;
  }
  take_envelope(std::move(*e), m);
  return m;
}

caf::expected<group_outlook> embedded_store::outlook(const group_handle& g, std::int64_t now_ms) {
  auto txn = transaction::begin(*env_, false);
  if (!txn)
    return txn.error();
  auto t = load_topic(*txn, g.topic, false);
  if (!t)
    return t.error();
  auto gr = load_group(*txn, g.topic_id, g.topic, g.group);
  if (!gr)
    return gr.error();
  group_outlook out;
  out.ready = std::max(gr->next, t->head) < t->next;
  if (out.ready)
    return out;
  cursor c{*txn, env_->leases};
  auto prefix = id_prefix(g.group_id);
  for (bool more = c.seek(key_of(pair_key{g.group_id, 0}), prefix); more; more = c.next()) {
    auto l = from_bytes<lease_record>(c.value());
    if (!l)
      continue;
    if (l->due_ms <= now_ms) {
      out.ready = true;
      break;
    }
    if (out.next_due_ms < 0 || l->due_ms < out.next_due_ms)
      out.next_due_ms = l->due_ms;
  }
  return out;
}

caf::expected<std::vector<message>> embedded_store::take(const group_handle& g, std::uint64_t holder,
                                                         std::size_t max, std::int64_t now_ms) {
  struct taken {
    std::uint64_t seq;
    std::string bytes;
    std::uint32_t attempt;
  };
  std::vector<taken> got;
  {
    auto txn = transaction::begin(*env_, true);
    if (!txn)
      return txn.error();
    auto t = load_topic(*txn, g.topic, false);
    if (!t)
      return t.error();
    auto gr = load_group(*txn, g.topic_id, g.topic, g.group);
    if (!gr)
      return gr.error();
    auto until = now_ms + opts_.lease.count();
    auto lease_write = [&](std::uint64_t seq, const lease_record& l) {
      return txn->put(env_->leases, key_of(pair_key{g.group_id, seq}), as_bytes(l));
    };
    // Redeliveries first: leases that ran out (a crashed or slow holder) and nacks now due.
    std::vector<std::pair<std::uint64_t, lease_record>> due;
    {
      cursor c{*txn, env_->leases};
      auto prefix = id_prefix(g.group_id);
      for (bool more = c.seek(key_of(pair_key{g.group_id, 0}), prefix); more && due.size() < max;
           more = c.next()) {
        auto l = from_bytes<lease_record>(c.value());
        if (l && l->due_ms <= now_ms)
          due.emplace_back(get_be64(c.key().data() + 8), *l);
      }
    }
    bool dirty = false;
    for (auto& [seq, l] : due) {
      std::string_view v;
      if (seq < t->head || txn->get(env_->log, key_of(pair_key{t->id, seq}), v) != MDB_SUCCESS) {
        txn->del(env_->leases, key_of(pair_key{g.group_id, seq})); // trimmed: nothing to deliver
        dirty = true;
        continue;
      }
      l.holder = holder;
      l.due_ms = until;
      ++l.attempt;
      if (int rc = lease_write(seq, l); rc != MDB_SUCCESS)
        return env_->error(rc, "leasing a message of '" + g.topic + "'");
      got.push_back(taken{seq, std::string{v}, l.attempt});
    }
    // Then new messages, in order.
    auto next = std::max(gr->next, t->head);
    while (got.size() < max && next < t->next) {
      auto seq = next++;
      std::string_view v;
      if (txn->get(env_->log, key_of(pair_key{t->id, seq}), v) != MDB_SUCCESS)
        continue;
      if (int rc = lease_write(seq, lease_record{until, holder, 1, 0}); rc != MDB_SUCCESS)
        return env_->error(rc, "leasing a message of '" + g.topic + "'");
      got.push_back(taken{seq, std::string{v}, 1});
    }
    if (next != gr->next) {
      dirty = true;
      gr->next = next;
      if (int rc = txn->put(env_->groups, group_key(g.topic_id, g.group), as_bytes(*gr)); rc != MDB_SUCCESS)
        return env_->error(rc, "advancing group '" + g.group + "'");
    }
    if (got.empty() && !dirty)
      return std::vector<message>{}; // nothing changed: the transaction aborts
    if (auto err = txn->commit())
      return err;
  }
  std::vector<message> out;
  out.reserve(got.size());
  for (auto& x : got)
    out.push_back(to_message(g, x.seq, std::move(x.bytes), x.attempt));
  return out;
}

caf::error embedded_store::ack(const group_handle& g, const std::vector<std::uint64_t>& seqs) {
  if (seqs.empty())
    return caf::none;
  auto txn = transaction::begin(*env_, true);
  if (!txn)
    return txn.error();
  for (auto seq : seqs)
    if (int rc = txn->del(env_->leases, key_of(pair_key{g.group_id, seq})); rc != MDB_SUCCESS && rc != MDB_NOTFOUND)
      return env_->error(rc, "acking a message of '" + g.topic + "'");
  return txn->commit();
}

caf::error embedded_store::nack(const group_handle& g, std::uint64_t holder, std::uint64_t seq,
                                std::int64_t due_ms) {
  {
    auto txn = transaction::begin(*env_, true);
    if (!txn)
      return txn.error();
    pair_key k{g.group_id, seq};
    std::string_view v;
    int rc = txn->get(env_->leases, key_of(k), v);
    if (rc == MDB_NOTFOUND)
      return caf::none; // acked meanwhile
    if (rc != MDB_SUCCESS)
      return env_->error(rc, "nacking a message of '" + g.topic + "'");
    auto l = from_bytes<lease_record>(v);
    if (!l || l->holder != holder)
      return caf::none; // its lease ran out and someone else holds it now
    l->holder = 0;
    l->due_ms = due_ms;
    if (rc = txn->put(env_->leases, key_of(k), as_bytes(*l)); rc != MDB_SUCCESS)
      return env_->error(rc, "nacking a message of '" + g.topic + "'");
    if (auto err = txn->commit())
      return err;
  }
  env_->notify();
  return caf::none;
}

caf::error embedded_store::release(const group_handle& g, std::uint64_t holder, std::int64_t now_ms) {
  {
    auto txn = transaction::begin(*env_, true);
    if (!txn)
      return txn.error();
    std::vector<std::pair<std::uint64_t, lease_record>> held;
    {
      cursor c{*txn, env_->leases};
      auto prefix = id_prefix(g.group_id);
      for (bool more = c.seek(key_of(pair_key{g.group_id, 0}), prefix); more; more = c.next()) {
        auto l = from_bytes<lease_record>(c.value());
        if (l && l->holder == holder)
          held.emplace_back(get_be64(c.key().data() + 8), *l);
      }
    }
    if (held.empty())
      return caf::none;
    for (auto& [seq, l] : held) {
      l.holder = 0;
      l.due_ms = now_ms;
      if (int rc = txn->put(env_->leases, key_of(pair_key{g.group_id, seq}), as_bytes(l)); rc != MDB_SUCCESS)
        return env_->error(rc, "returning the messages of a closed subscription to '" + g.topic + "'");
    }
    if (auto err = txn->commit())
      return err;
  }
  env_->notify();
  return caf::none;
}

} // namespace armada::herald::embedded
