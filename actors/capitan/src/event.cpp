#include "armada/capitan/event.hpp"

namespace armada::capitan {

std::string_view to_string(field_kind k) {
  switch (k) {
    case field_kind::string: return "string";
    case field_kind::int32: return "int32";
    case field_kind::int64: return "int64";
    case field_kind::uint32: return "uint32";
    case field_kind::uint64: return "uint64";
    case field_kind::float32: return "float32";
    case field_kind::float64: return "float64";
    case field_kind::boolean: return "bool";
    case field_kind::time: return "time";
    case field_kind::duration: return "duration";
    case field_kind::bytes: return "bytes";
    case field_kind::error: return "error";
    case field_kind::custom: return "custom";
  }
  return "unknown";
}

std::string_view field::variant() const {
  if (auto p = std::get_if<custom_value>(&value_))
    return p->variant;
  return to_string(kind());
}

namespace detail {

const field* find_field(const event& e, std::string_view name) {
  return e.valid() ? e.find(name) : nullptr;
}

} // namespace detail

event event::make(const capitan::signal& s, capitan::severity level,
                  std::vector<capitan::field> fields, std::shared_ptr<const capitan::context> ctx,
                  time_point timestamp) {
  return event{std::make_shared<const data>(
    data{s, timestamp, level, std::move(fields), std::move(ctx), false})};
}

const field* event::find(std::string_view name) const {
  auto& fs = data_->fields;
  for (auto i = fs.rbegin(); i != fs.rend(); ++i) // the last one wins
    if (i->name() == name)
      return &*i;
  return nullptr;
}

namespace {
const std::string empty_string;
}

const std::string& event::trace_id() const {
  return data_->ctx ? data_->ctx->trace_id : empty_string;
}

const std::string& event::correlation_id() const {
  return data_->ctx ? data_->ctx->correlation_id : empty_string;
}

event event::as_replay() const {
  auto copy = std::make_shared<data>(*data_);
  copy->replay = true;
  return event{std::move(copy)};
}

} // namespace armada::capitan
