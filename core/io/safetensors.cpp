#include "core/io/safetensors.h"

#include "core/error.h"
#include "core/io/atomic_file.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <bit>
#include <cstring>
#include <limits>
#include <unordered_set>
#include <utility>

namespace ts {
namespace {

using Json = nlohmann::json;

// The data buffer is copied byte for byte between file and memory.
static_assert(std::endian::native == std::endian::little,
              "safetensors data is little-endian; a big-endian host would need byte swaps");

constexpr std::uint64_t kMaxHeaderBytes = 100'000'000;  // the reference implementation's cap
constexpr std::uint64_t kMaxFileBytes = std::uint64_t{1} << 36;  // 64 GiB
constexpr std::size_t kMaxTensorFields = 16;                     // a valid entry has exactly 3
constexpr std::size_t kMaxInnerElements = 128;  // shape rank, [begin, end], metadata arrays
constexpr std::string_view kMetadataKey = "__metadata__";
constexpr std::string_view kSupportedDtypes = "F64, F32, I64, I32, U64, U8, BOOL";

// A name as a JSON string literal for messages; invalid UTF-8 is shown replaced.
std::string quote(std::string_view s) {
  return Json(std::string(s)).dump(-1, ' ', false, Json::error_handler_t::replace);
}

// A short rendering of an offending JSON value for messages.
std::string show(const Json& value) {
  std::string text = value.dump(-1, ' ', false, Json::error_handler_t::replace);
  if (text.size() > 60) text = text.substr(0, 57) + "...";
  return text;
}

std::string shape_text(const std::vector<std::int64_t>& shape) {
  std::string text = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (i > 0) text += ", ";
    text += std::to_string(shape[i]);
  }
  return text + "]";
}

std::string range_text(std::uint64_t begin, std::uint64_t end) {
  std::string text("[");
  text += std::to_string(begin);
  text += ", ";
  text += std::to_string(end);
  text += "]";
  return text;
}

bool checked_mul(std::uint64_t a, std::uint64_t b, std::uint64_t* out) {
  if (a != 0 && b > std::numeric_limits<std::uint64_t>::max() / a) return false;
  *out = a * b;
  return true;
}

// Byte count of a tensor of `shape` with `element_size`-byte elements. Returns an empty string
// on success, otherwise why there is no such count (negative dimension, 64-bit overflow).
std::string shape_bytes(const std::vector<std::int64_t>& shape, std::size_t element_size,
                        std::uint64_t* bytes) {
  std::uint64_t total = element_size;
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] < 0) {
      return "shape " + shape_text(shape) + " has negative dimension " + std::to_string(shape[i]);
    }
    if (!checked_mul(total, static_cast<std::uint64_t>(shape[i]), &total)) {
      return "shape " + shape_text(shape) + " with " + std::to_string(element_size) +
             "-byte elements needs more bytes than fit in 64 bits";
    }
  }
  *bytes = total;
  return {};
}

// Reads the header's top-level entries through nlohmann's SAX interface instead of building a
// full DOM. That catches duplicate keys (a DOM silently keeps the last one) and caps nesting
// and container sizes, so memory stays proportional to what a valid header can hold.
class HeaderReader : public Json::json_sax_t {
 public:
  struct Entry {
    std::string name;
    Json value;
  };
  std::vector<Entry> entries;  // top-level entries in file order
  std::string error;           // set when reading stopped
  bool syntax_error = false;   // error is nlohmann's message; position is valid
  std::size_t position = 0;    // 1-based byte position of a syntax error in the header

  bool null() override { return add(Json(nullptr)); }
  bool boolean(bool v) override { return add(Json(v)); }
  bool number_integer(number_integer_t v) override { return add(Json(v)); }
  bool number_unsigned(number_unsigned_t v) override { return add(Json(v)); }
  bool number_float(number_float_t v, const string_t&) override { return add(Json(v)); }
  bool string(string_t& v) override { return add(Json(std::move(v))); }
  bool binary(binary_t&) override { return fail("header holds a binary value"); }
  bool start_object(std::size_t) override { return open(Json::object()); }
  bool start_array(std::size_t) override { return open(Json::array()); }
  bool end_object() override { return close(); }
  bool end_array() override { return close(); }

  bool key(string_t& k) override {
    if (stack_.empty()) {
      if (!names_.insert(k).second) {
        return fail(k == kMetadataKey ? "\"__metadata__\" appears twice in the header"
                                      : "tensor " + quote(k) + " appears twice in the header");
      }
    } else if (stack_.back()->contains(k)) {
      return fail(context() + (in_metadata() ? "key " : "field ") + quote(k) + " appears twice");
    }
    key_ = std::move(k);
    return true;
  }

  bool parse_error(std::size_t pos, const std::string&, const Json::exception& ex) override {
    syntax_error = true;
    position = pos;
    std::string text = ex.what();
    const std::size_t bracket = text.find("] ");
    error = bracket == std::string::npos ? text : text.substr(bracket + 2);
    // nlohmann quotes the raw bytes it last read; keep the message printable ASCII.
    for (char& c : error) {
      if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) c = '?';
    }
    return false;
  }

 private:
  bool fail(std::string message) {
    error = std::move(message);
    return false;
  }
  bool in_metadata() const { return !entries.empty() && entries.back().name == kMetadataKey; }
  std::string context() const {
    return in_metadata() ? "__metadata__: " : "tensor " + quote(entries.back().name) + ": ";
  }

  bool add(Json value) {
    if (!root_open_) return fail("header must be a JSON object, found " + show(value));
    if (stack_.empty()) {
      entries.push_back({std::move(key_), std::move(value)});
      return true;
    }
    return insert(std::move(value)) != nullptr;
  }

  // Adds a value to the innermost open container of the current entry.
  Json* insert(Json value) {
    const std::size_t count = ++counts_.back();
    if (stack_.size() == 1 && !in_metadata() && count > kMaxTensorFields) {
      fail(context() + "entry has more than " + std::to_string(kMaxTensorFields) +
           " fields (expected exactly dtype, shape and data_offsets)");
      return nullptr;
    }
    if (stack_.size() == 2 && count > kMaxInnerElements) {
      fail(context() + "a field holds more than " + std::to_string(kMaxInnerElements) +
           " elements");
      return nullptr;
    }
    Json& parent = *stack_.back();
    if (parent.is_array()) {
      parent.push_back(std::move(value));
      return &parent.back();
    }
    Json& slot = parent[key_];
    slot = std::move(value);
    return &slot;
  }

  bool open(Json container) {
    if (!root_open_) {
      if (!container.is_object()) return fail("header must be a JSON object, found an array");
      root_open_ = true;
      return true;
    }
    if (stack_.empty()) {
      entries.push_back({std::move(key_), std::move(container)});
      stack_.push_back(&entries.back().value);
    } else if (stack_.size() >= 2) {
      return fail(context() + "value nested too deeply (an entry holds at most flat arrays)");
    } else {
      Json* child = insert(std::move(container));
      if (child == nullptr) return false;
      stack_.push_back(child);
    }
    counts_.push_back(0);
    return true;
  }

  bool close() {
    if (!stack_.empty()) {
      stack_.pop_back();
      counts_.pop_back();
    }
    return true;
  }

  bool root_open_ = false;
  std::vector<Json*> stack_;         // open containers inside the current entry
  std::vector<std::size_t> counts_;  // elements added to each open container
  std::string key_;
  std::unordered_set<std::string> names_;
};

struct Range {
  std::uint64_t begin = 0;
  std::uint64_t end = 0;
  std::size_t index = 0;  // into the records
};

// Validates one tensor entry and fills `record` (without data); returns its byte range.
Range parse_entry(const std::string& name, const Json& value, const std::string& source,
                  std::uint64_t buffer_size, TensorRecord* record) {
  const std::string where = source + ": tensor " + quote(name) + ": ";
  if (!value.is_object()) {
    throw Error(where + "entry must be an object with dtype, shape and data_offsets, found " +
                show(value));
  }
  for (const auto& [field, unused] : value.items()) {
    if (field != "dtype" && field != "shape" && field != "data_offsets") {
      throw Error(where + "unexpected field " + quote(field) +
                  " (expected exactly dtype, shape and data_offsets)");
    }
  }
  for (const char* field : {"dtype", "shape", "data_offsets"}) {
    if (!value.contains(field)) throw Error(where + "missing field \"" + field + "\"");
  }

  const Json& dtype = value["dtype"];
  if (!dtype.is_string()) {
    throw Error(where + "field \"dtype\" must be a string, found " + show(dtype));
  }
  record->name = name;
  record->dtype = dtype.get<std::string>();
  const std::size_t element_size = safetensors_dtype_size(record->dtype);
  if (element_size == 0) {
    throw Error(where + "dtype " + quote(record->dtype) +
                " is not supported (supported: " + std::string(kSupportedDtypes) + ")");
  }

  const Json& shape = value["shape"];
  if (!shape.is_array()) {
    throw Error(where + "field \"shape\" must be an array of non-negative integers, found " +
                show(shape));
  }
  for (std::size_t i = 0; i < shape.size(); ++i) {
    const Json& dim = shape[i];
    if (!dim.is_number_unsigned() ||
        dim.get<std::uint64_t>() >
            static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      throw Error(where + "shape[" + std::to_string(i) + "] is " + show(dim) +
                  ", expected a non-negative integer below 2^63");
    }
    record->shape.push_back(static_cast<std::int64_t>(dim.get<std::uint64_t>()));
  }

  const Json& offsets = value["data_offsets"];
  if (!offsets.is_array() || offsets.size() != 2) {
    throw Error(where + "field \"data_offsets\" must be [begin, end], found " + show(offsets));
  }
  for (std::size_t i = 0; i < 2; ++i) {
    if (!offsets[i].is_number_unsigned()) {
      throw Error(where + "data_offsets[" + std::to_string(i) + "] is " + show(offsets[i]) +
                  ", expected a non-negative integer");
    }
  }
  Range range;
  range.begin = offsets[0].get<std::uint64_t>();
  range.end = offsets[1].get<std::uint64_t>();
  const std::string offsets_text = "data_offsets " + range_text(range.begin, range.end);
  if (range.begin > range.end) throw Error(where + offsets_text + " have begin after end");

  std::uint64_t needed = 0;
  const std::string problem = shape_bytes(record->shape, element_size, &needed);
  if (!problem.empty()) throw Error(where + problem + " (dtype " + record->dtype + ")");
  const std::uint64_t held = range.end - range.begin;
  if (held != needed) {
    throw Error(where + offsets_text + " hold " + std::to_string(held) + " bytes but dtype " +
                record->dtype + " with shape " + shape_text(record->shape) + " needs " +
                std::to_string(needed));
  }
  if (range.end > buffer_size) {
    throw Error(where + offsets_text + " end past the data buffer, which holds " +
                std::to_string(buffer_size) + " bytes");
  }
  return range;
}

void parse_metadata(const Json& value, const std::string& source,
                    std::map<std::string, std::string>* metadata) {
  if (!value.is_object()) {
    throw Error(source + ": __metadata__ must be an object of string values, found " + show(value));
  }
  for (const auto& [key, item] : value.items()) {
    if (!item.is_string()) {
      throw Error(source + ": __metadata__ key " + quote(key) + " must be a string, found " +
                  show(item));
    }
    (*metadata)[key] = item.get<std::string>();
  }
}

// A JSON string literal for the header; invalid UTF-8 is an error naming `what`.
std::string json_string(std::string_view s, const std::string& source, const std::string& what) {
  try {
    return Json(std::string(s)).dump();
  } catch (const Json::exception&) {
    throw Error(source + ": " + what + " " + quote(s) + " is not valid UTF-8");
  }
}

template <class T>
TensorRecord make_record(std::string name, std::vector<std::int64_t> shape,
                         std::span<const T> values, const char* dtype, const char* function) {
  std::uint64_t bytes = 0;
  const std::string problem = shape_bytes(shape, sizeof(T), &bytes);
  const std::string where = std::string(function) + ": tensor " + quote(name) + ": ";
  if (!problem.empty()) throw Error(where + problem);
  if (bytes / sizeof(T) != values.size()) {
    throw Error(where + "shape " + shape_text(shape) + " holds " +
                std::to_string(bytes / sizeof(T)) + " elements but " +
                std::to_string(values.size()) + " values were given");
  }
  TensorRecord record{std::move(name), dtype, std::move(shape), {}};
  record.data.resize(values.size() * sizeof(T));
  if (!values.empty()) std::memcpy(record.data.data(), values.data(), record.data.size());
  return record;
}

template <class T>
std::vector<T> record_values(const TensorRecord& record, const std::string& source,
                             std::string_view dtype) {
  const std::string where = source + ": tensor " + quote(record.name) + ": ";
  if (record.dtype != dtype) {
    throw Error(where + "dtype is " + quote(record.dtype) + ", expected " + std::string(dtype));
  }
  std::uint64_t bytes = 0;
  const std::string problem = shape_bytes(record.shape, sizeof(T), &bytes);
  if (!problem.empty()) throw Error(where + problem);
  if (bytes != record.data.size()) {
    throw Error(where + "holds " + std::to_string(record.data.size()) + " bytes but dtype " +
                std::string(dtype) + " with shape " + shape_text(record.shape) + " needs " +
                std::to_string(bytes));
  }
  std::vector<T> values(record.data.size() / sizeof(T));
  if (!values.empty()) std::memcpy(values.data(), record.data.data(), record.data.size());
  return values;
}

}  // namespace

const TensorRecord* SafetensorsContents::find(std::string_view name) const {
  for (const TensorRecord& t : tensors) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

std::size_t safetensors_dtype_size(std::string_view dtype) {
  if (dtype == "F64" || dtype == "I64" || dtype == "U64") return 8;
  if (dtype == "F32" || dtype == "I32") return 4;
  if (dtype == "U8" || dtype == "BOOL") return 1;
  return 0;
}

SafetensorsContents parse_safetensors(std::span<const std::byte> bytes, const std::string& source) {
  if (bytes.size() < 8) {
    throw Error(source + ": file is " + std::to_string(bytes.size()) +
                " bytes, too short for the 8-byte header length that starts a safetensors file");
  }
  std::uint64_t header_size = 0;
  for (int i = 7; i >= 0; --i) {
    header_size = (header_size << 8) | std::to_integer<std::uint64_t>(bytes[i]);
  }
  const std::uint64_t after_length = bytes.size() - 8;
  if (header_size > kMaxHeaderBytes) {
    throw Error(source + ": header length " + std::to_string(header_size) +
                " (bytes 0-7) exceeds the limit of " + std::to_string(kMaxHeaderBytes) + " bytes");
  }
  if (header_size > after_length) {
    throw Error(source + ": header length " + std::to_string(header_size) +
                " (bytes 0-7) is larger than the " + std::to_string(after_length) +
                " bytes that follow it");
  }
  const char* header = reinterpret_cast<const char*>(bytes.data() + 8);
  if (header_size == 0 || header[0] != '{') {
    throw Error(source + ": header at byte offset 8 must start with '{' (a JSON object)");
  }

  HeaderReader reader;
  Json::sax_parse(header, header + header_size, &reader);
  if (reader.syntax_error) {
    const std::size_t offset = 8 + (reader.position > 0 ? reader.position - 1 : 0);
    throw Error(source + ": header is not valid JSON at byte offset " + std::to_string(offset) +
                ": " + reader.error);
  }
  if (!reader.error.empty()) throw Error(source + ": " + reader.error);

  const std::uint64_t buffer_start = 8 + header_size;
  const std::uint64_t buffer_size = bytes.size() - buffer_start;
  SafetensorsContents contents;
  std::vector<Range> ranges;
  for (const HeaderReader::Entry& entry : reader.entries) {
    if (entry.name == kMetadataKey) {
      parse_metadata(entry.value, source, &contents.metadata);
      continue;
    }
    TensorRecord record;
    Range range = parse_entry(entry.name, entry.value, source, buffer_size, &record);
    range.index = contents.tensors.size();
    ranges.push_back(range);
    contents.tensors.push_back(std::move(record));
  }

  // The ranges must tile the buffer: sorted by begin, each starts where the previous ended.
  std::sort(ranges.begin(), ranges.end(), [](const Range& a, const Range& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
  });
  std::uint64_t cursor = 0;
  const Range* previous = nullptr;
  for (const Range& range : ranges) {
    if (range.begin < cursor) {
      throw Error(source + ": tensor " + quote(contents.tensors[range.index].name) +
                  ": data_offsets " + range_text(range.begin, range.end) + " overlap tensor " +
                  quote(contents.tensors[previous->index].name) + " at " +
                  range_text(previous->begin, previous->end));
    }
    if (range.begin > cursor) break;
    cursor = range.end;
    previous = &range;
  }
  if (cursor < buffer_size) {
    std::uint64_t hole_end = buffer_size;
    for (const Range& range : ranges) {
      if (range.begin > cursor) {
        hole_end = range.begin;
        break;
      }
    }
    throw Error(source + ": data buffer bytes [" + std::to_string(cursor) + ", " +
                std::to_string(hole_end) + ") (file offsets " +
                std::to_string(buffer_start + cursor) + " to " +
                std::to_string(buffer_start + hole_end) +
                ") belong to no tensor; the tensors must cover the buffer without holes");
  }

  const std::byte* buffer = bytes.data() + buffer_start;
  for (const Range& range : ranges) {
    contents.tensors[range.index].data.assign(buffer + range.begin, buffer + range.end);
  }
  std::sort(contents.tensors.begin(), contents.tensors.end(),
            [](const TensorRecord& a, const TensorRecord& b) { return a.name < b.name; });
  return contents;
}

SafetensorsContents read_safetensors(const std::filesystem::path& path) {
  const std::string bytes = read_file(path, static_cast<std::size_t>(kMaxFileBytes));
  return parse_safetensors(std::as_bytes(std::span<const char>(bytes.data(), bytes.size())),
                           path.string());
}

std::vector<std::byte> serialize_safetensors(const SafetensorsContents& contents,
                                             const std::string& source) {
  std::vector<const TensorRecord*> order;
  order.reserve(contents.tensors.size());
  for (const TensorRecord& t : contents.tensors) order.push_back(&t);
  std::sort(order.begin(), order.end(),
            [](const TensorRecord* a, const TensorRecord* b) { return a->name < b->name; });

  std::string header = "{";
  if (!contents.metadata.empty()) {
    header += "\"__metadata__\":{";
    bool first = true;
    for (const auto& [key, value] : contents.metadata) {
      if (!first) header += ',';
      first = false;
      header += json_string(key, source, "__metadata__ key");
      header += ':';
      header += json_string(value, source, "__metadata__ value of " + quote(key));
    }
    header += '}';
  }

  std::uint64_t offset = 0;
  for (std::size_t i = 0; i < order.size(); ++i) {
    const TensorRecord& t = *order[i];
    const std::string where = source + ": tensor " + quote(t.name) + ": ";
    if (t.name == kMetadataKey) {
      throw Error(source + ": tensor name \"__metadata__\" is reserved for metadata");
    }
    if (i > 0 && order[i - 1]->name == t.name) {
      throw Error(source + ": tensor " + quote(t.name) + " appears twice");
    }
    const std::size_t element_size = safetensors_dtype_size(t.dtype);
    if (element_size == 0) {
      throw Error(where + "dtype " + quote(t.dtype) +
                  " is not supported (supported: " + std::string(kSupportedDtypes) + ")");
    }
    std::uint64_t needed = 0;
    const std::string problem = shape_bytes(t.shape, element_size, &needed);
    if (!problem.empty()) throw Error(where + problem);
    if (needed != t.data.size()) {
      throw Error(where + "holds " + std::to_string(t.data.size()) + " bytes but dtype " + t.dtype +
                  " with shape " + shape_text(t.shape) + " needs " + std::to_string(needed));
    }
    if (header.size() > 1) header += ',';
    header += json_string(t.name, source, "tensor name");
    header += ":{\"dtype\":\"" + t.dtype + "\",\"shape\":[";
    for (std::size_t d = 0; d < t.shape.size(); ++d) {
      if (d > 0) header += ',';
      header += std::to_string(t.shape[d]);
    }
    // Sizes of data already in memory cannot overflow 64 bits.
    header += "],\"data_offsets\":[" + std::to_string(offset) + "," +
              std::to_string(offset + needed) + "]}";
    offset += needed;
  }
  header += '}';
  while (header.size() % 8 != 0) header += ' ';
  if (header.size() > kMaxHeaderBytes) {
    throw Error(source + ": header would be " + std::to_string(header.size()) +
                " bytes, more than readers accept (" + std::to_string(kMaxHeaderBytes) + ")");
  }

  std::vector<std::byte> file;
  file.reserve(8 + header.size() + offset);
  std::uint64_t length = header.size();
  for (int i = 0; i < 8; ++i) {
    file.push_back(static_cast<std::byte>(length & 0xff));
    length >>= 8;
  }
  const auto* header_bytes = reinterpret_cast<const std::byte*>(header.data());
  file.insert(file.end(), header_bytes, header_bytes + header.size());
  for (const TensorRecord* t : order) file.insert(file.end(), t->data.begin(), t->data.end());
  return file;
}

void write_safetensors(const std::filesystem::path& path, const SafetensorsContents& contents) {
  write_file_atomic(path, serialize_safetensors(contents, path.string()));
}

TensorRecord make_f64(std::string name, std::vector<std::int64_t> shape,
                      std::span<const double> values) {
  return make_record(std::move(name), std::move(shape), values, "F64", "make_f64");
}
TensorRecord make_f32(std::string name, std::vector<std::int64_t> shape,
                      std::span<const float> values) {
  return make_record(std::move(name), std::move(shape), values, "F32", "make_f32");
}
TensorRecord make_i64(std::string name, std::vector<std::int64_t> shape,
                      std::span<const std::int64_t> values) {
  return make_record(std::move(name), std::move(shape), values, "I64", "make_i64");
}
TensorRecord make_i32(std::string name, std::vector<std::int64_t> shape,
                      std::span<const std::int32_t> values) {
  return make_record(std::move(name), std::move(shape), values, "I32", "make_i32");
}
TensorRecord make_u64(std::string name, std::vector<std::int64_t> shape,
                      std::span<const std::uint64_t> values) {
  return make_record(std::move(name), std::move(shape), values, "U64", "make_u64");
}
TensorRecord make_u8(std::string name, std::vector<std::int64_t> shape,
                     std::span<const std::uint8_t> values) {
  return make_record(std::move(name), std::move(shape), values, "U8", "make_u8");
}

std::vector<double> as_f64(const TensorRecord& record, const std::string& source) {
  return record_values<double>(record, source, "F64");
}
std::vector<float> as_f32(const TensorRecord& record, const std::string& source) {
  return record_values<float>(record, source, "F32");
}
std::vector<std::int64_t> as_i64(const TensorRecord& record, const std::string& source) {
  return record_values<std::int64_t>(record, source, "I64");
}
std::vector<std::int32_t> as_i32(const TensorRecord& record, const std::string& source) {
  return record_values<std::int32_t>(record, source, "I32");
}
std::vector<std::uint64_t> as_u64(const TensorRecord& record, const std::string& source) {
  return record_values<std::uint64_t>(record, source, "U64");
}
std::vector<std::uint8_t> as_u8(const TensorRecord& record, const std::string& source) {
  return record_values<std::uint8_t>(record, source, "U8");
}

}  // namespace ts
