// bounded_json.cpp: see bounded_json.hpp. A SAX handler that builds the document itself, so
// that it can count, measure the depth and see every key as it arrives.
#include "carry/bounded_json.hpp"

#include <vector>

#include "carry/value_rules.hpp"

namespace carry {

namespace {

using nlohmann::json;

class BoundedBuilder {
 public:
  BoundedBuilder(json& root, const JsonLimits& limits) : root_(root), limits_(limits) {}

  bool null() { return add(json(nullptr)); }
  bool boolean(bool value) { return add(json(value)); }
  bool number_integer(json::number_integer_t value) { return add(json(value)); }
  bool number_unsigned(json::number_unsigned_t value) { return add(json(value)); }
  bool number_float(json::number_float_t value, const json::string_t& /*text*/) {
    return add(json(value));
  }
  bool string(json::string_t& value) { return add(json(std::move(value))); }
  bool binary(json::binary_t& /*value*/) { return refuse("binary data is not JSON text"); }

  bool start_object(std::size_t /*size*/) { return open(json::object()); }
  bool key(json::string_t& name) {
    json& object = *open_.back();
    if (object.contains(name)) {
      return refuse("duplicate key \"" + shown(name) + "\" in " + where() +
                    " (each key may appear once)");
    }
    key_ = name;
    return true;
  }
  bool end_object() { return close(); }
  bool start_array(std::size_t /*size*/) { return open(json::array()); }
  bool end_array() { return close(); }

  bool parse_error(std::size_t /*position*/, const std::string& /*token*/,
                   const json::exception& error) {
    // "[json.exception.parse_error.101] parse error at line 1, column 5: ..." without the tag.
    const std::string what = error.what();
    const std::size_t detail = what.find("] ");
    return refuse("not valid JSON (" +
                  (detail == std::string::npos ? what : what.substr(detail + 2)) + ")");
  }

  const std::string& refusal() const { return refusal_; }

 private:
  bool refuse(const std::string& why) {
    if (refusal_.empty()) refusal_ = why;
    return false;
  }

  // The innermost open container, for messages: "the file", "config", "weights.W0[3]".
  std::string where() const {
    std::string place;
    for (std::size_t k = 1; k < names_.size(); ++k) {
      const std::string& name = names_[k];
      const bool index = !name.empty() && name.front() == '[';
      place += index || place.empty() ? name : "." + name;
    }
    return place.empty() ? "the file" : place;
  }

  // Puts `value` in its place (the root, the open array, or the open object under the last
  // key) and returns where it now lives.
  json* place(json value) {
    if (open_.empty()) {
      root_ = std::move(value);
      return &root_;
    }
    json& parent = *open_.back();
    if (parent.is_array()) {
      parent.push_back(std::move(value));
      return &parent.back();
    }
    json& slot = parent[key_];
    slot = std::move(value);
    return &slot;
  }

  bool count() {
    if (++values_ <= limits_.max_values) return true;
    return refuse("more than " + std::to_string(limits_.max_values) +
                  " values (a checkpoint at 256 hidden units has about 67,000)");
  }

  bool add(json value) {
    if (!count()) return false;
    place(std::move(value));
    return true;
  }

  bool open(json container) {
    if (!count()) return false;
    if (static_cast<int>(open_.size()) >= limits_.max_depth) {
      return refuse("nested more than " + std::to_string(limits_.max_depth) + " levels deep");
    }
    // The new container's name within its parent, for messages about what is inside it.
    std::string name;
    if (!open_.empty()) {
      const json& parent = *open_.back();
      name = parent.is_array() ? "[" + std::to_string(parent.size()) + "]" : key_;
    }
    open_.push_back(place(std::move(container)));
    names_.push_back(name);
    return true;
  }

  bool close() {
    open_.pop_back();
    names_.pop_back();
    return true;
  }

  json& root_;
  const JsonLimits& limits_;
  std::vector<json*> open_;         // the open containers, outermost first
  std::vector<std::string> names_;  // their names within their parents ("" for the root)
  std::string key_;                 // the last key read in the innermost open object
  std::size_t values_ = 0;
  std::string refusal_;
};

}  // namespace

nlohmann::json parse_bounded_json(const std::string& text, const JsonLimits& limits) {
  json document;
  BoundedBuilder builder(document, limits);
  if (!json::sax_parse(text, &builder) || !builder.refusal().empty()) {
    throw JsonRefusal(builder.refusal().empty() ? "not valid JSON" : builder.refusal());
  }
  return document;
}

}  // namespace carry
