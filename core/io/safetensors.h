// Reading and writing the safetensors format (HuggingFace), used for checkpoints and weight
// exports so that PyTorch and numpy can open them.
//
// Layout: an 8-byte little-endian u64 N, then N bytes of UTF-8 JSON (optionally padded with
// trailing spaces), then the data buffer. The JSON maps each tensor name to
// {"dtype", "shape", "data_offsets": [begin, end]} with offsets relative to the buffer start,
// plus an optional "__metadata__" object of string values. Data is little-endian row-major.
//
// Supported dtypes: F64, F32, I64, I32, U64, U8, BOOL; others are rejected by name.
//
// SafetensorsContents is a plain value owned by the caller; the functions keep no state and
// any thread may call them. Invariants of a parsed file, checked on every read and enforced
// on every write: names are unique and not "__metadata__", each tensor's byte count equals
// the product of its shape times the dtype size, and the tensors' byte ranges cover the data
// buffer exactly, without overlaps or holes. Every failure throws ts::Error whose message
// starts with the file name and names the tensor, field or byte offset at fault.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ts {

struct TensorRecord {
  std::string name;
  std::string dtype;                // "F32", "F64", "I64", "I32", "U64", "U8", "BOOL"
  std::vector<std::int64_t> shape;  // row-major dimensions; {} is a scalar
  std::vector<std::byte> data;      // little-endian element bytes
};

struct SafetensorsContents {
  std::vector<TensorRecord> tensors;  // parsed files list them sorted by name
  std::map<std::string, std::string> metadata;

  // The tensor called `name`, or nullptr.
  const TensorRecord* find(std::string_view name) const;
};

// Bytes per element of a supported dtype, or 0 for anything else.
std::size_t safetensors_dtype_size(std::string_view dtype);

// The file image: header sorted by name ("__metadata__" first, omitted when empty), data
// packed in the same order, header padded with spaces to a multiple of 8 bytes.
// `source_name` goes into error messages.
std::vector<std::byte> serialize_safetensors(const SafetensorsContents& contents,
                                             const std::string& source_name);
// serialize_safetensors, then write_file_atomic.
void write_safetensors(const std::filesystem::path& path, const SafetensorsContents& contents);

SafetensorsContents read_safetensors(const std::filesystem::path& path);
// Parses a file image held in memory (tests, fuzzing). `source_name` prefixes every error.
SafetensorsContents parse_safetensors(std::span<const std::byte> bytes,
                                      const std::string& source_name);

// Records built from typed values. Throw ts::Error naming the tensor when the shape has a
// negative dimension or its element count differs from values.size().
TensorRecord make_f64(std::string name, std::vector<std::int64_t> shape,
                      std::span<const double> values);
TensorRecord make_f32(std::string name, std::vector<std::int64_t> shape,
                      std::span<const float> values);
TensorRecord make_i64(std::string name, std::vector<std::int64_t> shape,
                      std::span<const std::int64_t> values);
TensorRecord make_i32(std::string name, std::vector<std::int64_t> shape,
                      std::span<const std::int32_t> values);
TensorRecord make_u64(std::string name, std::vector<std::int64_t> shape,
                      std::span<const std::uint64_t> values);
TensorRecord make_u8(std::string name, std::vector<std::int64_t> shape,
                     std::span<const std::uint8_t> values);

// Typed copies of a record's data. Throw ts::Error, prefixed with `source` and naming the
// tensor, when the dtype differs or the byte count does not match the shape.
std::vector<double> as_f64(const TensorRecord& record, const std::string& source);
std::vector<float> as_f32(const TensorRecord& record, const std::string& source);
std::vector<std::int64_t> as_i64(const TensorRecord& record, const std::string& source);
std::vector<std::int32_t> as_i32(const TensorRecord& record, const std::string& source);
std::vector<std::uint64_t> as_u64(const TensorRecord& record, const std::string& source);
std::vector<std::uint8_t> as_u8(const TensorRecord& record, const std::string& source);

}  // namespace ts
