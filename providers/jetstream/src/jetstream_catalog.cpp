#include "jetstream_catalog.hpp"

#include "armada/herald/errc.hpp"
#include "armada/herald/nats/client.hpp"

namespace armada::herald::jetstream {

namespace {

std::string sanitise(const std::string& text) {
  std::string out = text;
  for (auto& c : out) {
    auto u = static_cast<unsigned char>(c);
    bool ok = (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9') || c == '_' || c == '-';
    if (!ok)
      c = '_';
  }
  return out;
}

caf::error js_error(const std::string& what, natsStatus s, jsErrCode jerr) {
  auto text = what;
  if (jerr != 0)
    text += " [JetStream error " + std::to_string(static_cast<int>(jerr)) + "]";
  const char* last = nats_GetLastError(nullptr);
  if (last != nullptr && *last != '\0' && s != NATS_CONNECTION_CLOSED)
    text += ": " + std::string{last};
  return nats::status_error(provider_name, text, s);
}

struct stream_info_deleter {
  void operator()(jsStreamInfo* i) const { jsStreamInfo_Destroy(i); }
};

} // namespace

caf::expected<settings> settings::from(const properties& props) {
  auto fail = [](std::string text) { return make_error(errc::config, "jetstream provider: " + text); };
  settings s;
  s.stream_prefix = props.get("stream-prefix");
  if (sanitise(s.stream_prefix) != s.stream_prefix)
    return fail("property 'stream-prefix' ('" + s.stream_prefix + "') may hold only letters, digits, '_' and '-'");
  auto& storage = props.get("storage");
  if (storage == "file")
    s.storage = js_FileStorage;
  else if (storage == "memory")
    s.storage = js_MemoryStorage;
  else
    return fail("property 'storage' must be 'file' or 'memory', got '" + storage + "'");
  s.replicas = props.integer("replicas");
  if (s.replicas < 1 || s.replicas > 5)
    return fail("property 'replicas' must be 1 … 5 (1 on a single server), got " + std::to_string(s.replicas));
  s.max_deliver = props.integer("max-deliver");
  if (s.max_deliver == 0 || s.max_deliver < -1)
    return fail("property 'max-deliver' must be -1 (no limit) or >= 1, got " + std::to_string(s.max_deliver));
  s.ack_wait = props.millis("ack-wait");
  if (s.ack_wait.count() < 1)
    return fail("property 'ack-wait' must be > 0 ms");
  s.max_age = props.millis("max-age");
  s.duplicate_window = props.millis("duplicate-window");
  s.max_ack_pending = props.integer("max-ack-pending");
  if (s.max_ack_pending == 0 || s.max_ack_pending < -1)
    return fail("property 'max-ack-pending' must be -1 (no limit) or >= 1, got " + std::to_string(s.max_ack_pending));
  return s;
}

std::string stream_name(const std::string& prefix, const std::string& topic) {
  return prefix + sanitise(topic);
}

std::string durable_name(const std::string& group) {
  return sanitise(group.empty() ? std::string{"default"} : group);
}

caf::expected<std::string> catalog::stream_for(const std::string& topic, const std::string& subject) {
  auto name = stream_name(settings_.stream_prefix, topic);
  {
    std::lock_guard guard{mtx_};
    if (known_.count(name) != 0)
      return name;
  }
  jsStreamInfo* raw = nullptr;
  jsErrCode jerr{};
  auto s = js_GetStreamInfo(&raw, js_, name.c_str(), nullptr, &jerr);
  if (s == NATS_NOT_FOUND || jerr == JSStreamNotFoundErr) {
    jsStreamConfig cfg;
    jsStreamConfig_Init(&cfg);
    const char* subjects[] = {subject.c_str()};
    cfg.Name = name.c_str();
    cfg.Subjects = subjects;
    cfg.SubjectsLen = 1;
    cfg.Storage = settings_.storage;
    cfg.Replicas = settings_.replicas;
    cfg.MaxAge = std::chrono::duration_cast<std::chrono::nanoseconds>(settings_.max_age).count();
    cfg.Duplicates = std::chrono::duration_cast<std::chrono::nanoseconds>(settings_.duplicate_window).count();
    jerr = {};
    s = js_AddStream(&raw, js_, &cfg, nullptr, &jerr);
    if (s != NATS_OK && jerr == JSStreamNameExistErr) // created concurrently: read it back
      s = js_GetStreamInfo(&raw, js_, name.c_str(), nullptr, &jerr);
    if (s != NATS_OK && jerr == JSStreamSubjectOverlapErr)
      return make_error(errc::config, "jetstream provider: cannot create stream '" + name + "' for subject '"
                                        + subject + "': another stream already holds that subject; "
                                                    "set 'stream-prefix' to match it or delete it");
  }
  if (s != NATS_OK)
    return js_error("cannot find or create stream '" + name + "' on " + address_, s, jerr);
  std::unique_ptr<jsStreamInfo, stream_info_deleter> info{raw};
  bool holds = false;
  if (info && info->Config != nullptr)
    for (int i = 0; i < info->Config->SubjectsLen; ++i)
      holds = holds || subject == info->Config->Subjects[i];
  if (!holds)
    return make_error(errc::config, "jetstream provider: stream '" + name + "' exists but does not hold subject '"
                                      + subject + "' (two topics map to one stream name); rename a topic "
                                                  "or set 'stream-prefix'");
  std::lock_guard guard{mtx_};
  known_.insert(name);
  return name;
}

void catalog::forget(const std::string& stream) {
  std::lock_guard guard{mtx_};
  known_.erase(stream);
}

caf::expected<std::int64_t> catalog::ensure_consumer(const std::string& stream, const std::string& durable,
                                                     const std::string& subject) {
  // The server's 0 means its default (1000): what it enforces either way.
  auto limit_of = [](const jsConsumerInfo* info) -> std::int64_t {
    auto limit = info != nullptr && info->Config != nullptr ? info->Config->MaxAckPending : 0;
    return limit == 0 ? 1000 : limit;
  };
  jsConsumerInfo* info = nullptr;
  jsErrCode jerr{};
  auto s = js_GetConsumerInfo(&info, js_, stream.c_str(), durable.c_str(), nullptr, &jerr);
  if (s == NATS_OK) {
    auto limit = limit_of(info);
    jsConsumerInfo_Destroy(info);
    return limit;
  }
  if (s != NATS_NOT_FOUND && jerr != JSConsumerNotFoundErr)
    return js_error("cannot look up consumer '" + durable + "' of stream '" + stream + "' on " + address_, s, jerr);
  jsConsumerConfig cfg;
  jsConsumerConfig_Init(&cfg);
  cfg.Durable = durable.c_str();
  cfg.DeliverPolicy = js_DeliverAll;
  cfg.AckPolicy = js_AckExplicit;
  cfg.AckWait = std::chrono::duration_cast<std::chrono::nanoseconds>(settings_.ack_wait).count();
  cfg.MaxDeliver = settings_.max_deliver;
  cfg.MaxAckPending = settings_.max_ack_pending;
  cfg.FilterSubject = subject.c_str();
  cfg.Replicas = settings_.replicas;
  cfg.MemoryStorage = settings_.storage == js_MemoryStorage;
  jerr = {};
  s = js_AddConsumer(&info, js_, stream.c_str(), &cfg, nullptr, &jerr);
  if (s == NATS_OK) {
    auto limit = limit_of(info);
    jsConsumerInfo_Destroy(info);
    return limit;
  }
  if (jerr == JSConsumerNameExistErr || jerr == JSConsumerExistingActiveErr)
    return ensure_consumer(stream, durable, subject); // created concurrently: read it back
  return js_error("cannot create consumer '" + durable + "' of stream '" + stream + "' on " + address_, s, jerr);
}

} // namespace armada::herald::jetstream
