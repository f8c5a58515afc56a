#include "armada/pipz/schema.hpp"

#include <stdexcept>

namespace armada::pipz {

schema_node schema_node::of(const identity& id, std::string type) {
  schema_node n;
  n.id = id.id().to_string();
  n.name = id.name();
  n.description = id.description();
  n.type = std::move(type);
  return n;
}

namespace {

template <class Json> void write(Json& j, const schema_node& node) {
  j = Json::object();
  j["id"] = node.id;
  j["name"] = node.name;
  j["description"] = node.description;
  j["type"] = node.type;
  j["flow"] = node.flow;
  if (!node.role.empty())
    j["role"] = node.role;
  j["metadata"] = Json(node.metadata);
  auto children = Json::array();
  for (const auto& child : node.children) {
    Json c;
    write(c, child);
    children.push_back(std::move(c));
  }
  j["children"] = std::move(children);
}

template <class Json> std::string read_string(const Json& j, const char* key, bool required) {
  auto i = j.find(key);
  if (i == j.end()) {
    if (required)
      throw std::invalid_argument(std::string{"pipz schema: missing key \""} + key + "\"");
    return {};
  }
  if (!i->is_string())
    throw std::invalid_argument(std::string{"pipz schema: key \""} + key + "\" must be a string");
  return i->template get<std::string>();
}

template <class Json> void read(const Json& j, schema_node& node) {
  if (!j.is_object())
    throw std::invalid_argument("pipz schema: a node must be a JSON object");
  node.id = read_string(j, "id", true);
  node.name = read_string(j, "name", true);
  node.description = read_string(j, "description", false);
  node.type = read_string(j, "type", true);
  node.flow = read_string(j, "flow", false);
  if (node.flow.empty())
    node.flow = "none";
  node.role = read_string(j, "role", false);
  node.metadata = nlohmann::json::object();
  if (auto i = j.find("metadata"); i != j.end()) {
    if (!i->is_object())
      throw std::invalid_argument("pipz schema: key \"metadata\" must be an object");
    node.metadata = nlohmann::json(*i);
  }
  node.children.clear();
  if (auto i = j.find("children"); i != j.end()) {
    if (!i->is_array())
      throw std::invalid_argument("pipz schema: key \"children\" must be an array");
    for (const auto& c : *i) {
      schema_node child;
      read(c, child);
      node.children.push_back(std::move(child));
    }
  }
}

} // namespace

void to_json(nlohmann::json& j, const schema_node& node) {
  write(j, node);
}

void to_json(nlohmann::ordered_json& j, const schema_node& node) {
  write(j, node);
}

void from_json(const nlohmann::json& j, schema_node& node) {
  read(j, node);
}

void from_json(const nlohmann::ordered_json& j, schema_node& node) {
  read(j, node);
}

schema_node parse_schema(std::string_view text) {
  nlohmann::ordered_json j;
  try {
    j = nlohmann::ordered_json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    throw std::invalid_argument(std::string{"pipz schema: malformed JSON: "} + e.what());
  }
  schema_node node;
  read(j, node);
  return node;
}

std::string dump_schema(const schema_node& node, int indent) {
  nlohmann::ordered_json j;
  write(j, node);
  return j.dump(indent);
}

} // namespace armada::pipz
