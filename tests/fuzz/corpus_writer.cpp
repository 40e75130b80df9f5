// Writes the fuzzing seed corpus, tests/fuzz/corpus/<target>/: valid files ("ok-*") and
// every known malformed case ("bad-*"), with EXPECTED listing, for each bad file, the text
// its error message must contain besides the file's name. tests/test_corpus.cpp checks the
// committed files against EXPECTED; `make fuzz-corpus` rewrites them.
//
//   fuzz_corpus_writer <corpus-dir> <presets-dir>
#include "tests/fuzz/fuzz_checks.h"

#include "core/io/safetensors.h"

#include <zlib.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

using Bytes = std::string;  // raw bytes; std::string keeps the cases short

struct Case {
  std::string name;
  Bytes bytes;
  std::string expected;  // for bad files: a part of the error message
};

Bytes be32(uint32_t v) {
  return {char(v >> 24), char((v >> 16) & 0xff), char((v >> 8) & 0xff), char(v & 0xff)};
}

Bytes le64(uint64_t v) {
  Bytes out;
  for (int i = 0; i < 8; ++i, v >>= 8) out += char(v & 0xff);
  return out;
}

Bytes idx_images(uint32_t n, uint32_t rows, uint32_t cols, const Bytes& pixels) {
  return Bytes("\0\0\x08\x03", 4) + be32(n) + be32(rows) + be32(cols) + pixels;
}

Bytes idx_labels(uint32_t n, const Bytes& labels) {
  return Bytes("\0\0\x08\x01", 4) + be32(n) + labels;
}

Bytes gzip(const Bytes& in) {
  z_stream z{};
  if (deflateInit2(&z, 9, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    throw std::runtime_error("deflateInit2 failed");
  Bytes out(deflateBound(&z, uLong(in.size())) + 64, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = uInt(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = uInt(out.size());
  if (deflate(&z, Z_FINISH) != Z_STREAM_END) throw std::runtime_error("deflate failed");
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

std::vector<Case> idx_cases() {
  const Bytes pixels("\x00\x01\x02\x03\x0a\x0b\x0c\x0d\xfa\xfb\xfe\xff", 12);
  const Bytes labels("\x07\x00\x09", 3);
  const Bytes img = idx_images(3, 2, 2, pixels);
  const Bytes lab = idx_labels(3, labels);
  Bytes wrong_magic = img;
  wrong_magic[2] = 0x0d;
  Bytes trailing = img + "\x01\x02\x03";
  Bytes after_stream = gzip(img) + "\xde\xad";
  Bytes corrupt = gzip(img);
  for (std::size_t i = 10; i < corrupt.size() - 8; ++i) corrupt[i] = char(0xff);
  Bytes bad_crc = gzip(img);
  bad_crc[bad_crc.size() - 6] ^= 0x55;
  const Bytes gz = gzip(img);
  return {
      {"ok-images.idx", img, ""},
      {"ok-images.idx.gz", gzip(img), ""},
      {"ok-labels.idx", lab, ""},
      {"ok-labels.idx.gz", gzip(lab), ""},
      {"bad-images-empty.idx", "", "empty file (0 bytes)"},
      {"bad-images-zero-count.idx", idx_images(0, 28, 28, ""), "empty: the header says 0 images"},
      {"bad-images-short-header.idx", img.substr(0, 10),
       "truncated header: an IDX image file starts with a 16-byte header but the file has 10 "
       "bytes"},
      {"bad-images-short-data.idx", img.substr(0, img.size() - 7),
       "truncated: header says 3 images of 2x2 (28 bytes) but the file has 21 bytes"},
      {"bad-images-claims-mnist.idx", idx_images(60000, 28, 28, Bytes(984, '\0')),
       "truncated: header says 60000 images of 28x28 (47040016 bytes) but the file has 1000 bytes"},
      {"bad-images-claims-4-billion.idx.gz", gzip(idx_images(0xffffffffu, 28, 28, Bytes(84, '\1'))),
       "header says 4294967295 images of 28x28 (3367254359296 bytes) but the file decompresses to "
       "100 bytes"},
      {"bad-images-size-overflow.idx",
       idx_images(0xffffffffu, 0xffffffffu, 0xffffffffu, "\1\1\1\1"),
       "header says 4294967295 images of 4294967295x4294967295 (more than 2^62 bytes) but the file "
       "has 20 bytes"},
      {"bad-images-wrong-magic.idx", wrong_magic,
       "wrong magic 0x00000d03: expected 0x00000803 (IDX unsigned-byte images)"},
      {"bad-images-is-labels.idx", lab,
       "wrong number of dimensions: magic 0x00000801 declares 1 but an IDX image file has 3"},
      {"bad-images-text.idx", "hello world", "wrong magic 0x68656c6c: expected 0x00000803"},
      {"bad-images-trailing.idx", trailing,
       "trailing bytes: header says 3 images of 2x2 (28 bytes) but the file has 31 bytes"},
      {"bad-images-after-stream.idx.gz", after_stream,
       "trailing bytes: 2 bytes follow the end of the gzip stream"},
      {"bad-images-corrupt.idx.gz", corrupt, "corrupt gzip data at compressed byte"},
      {"bad-images-bad-crc.idx.gz", bad_crc, "incorrect data check"},
      {"bad-images-cut.idx.gz", gz.substr(0, 12),
       "truncated gzip stream: the compressed data ends after 12 bytes"},
      {"bad-images-short-content.idx.gz", gzip(img.substr(0, img.size() - 5)),
       "truncated: header says 3 images of 2x2 (28 bytes) but the file decompresses to 23 bytes"},
      {"bad-labels-short-header.idx", Bytes("\0\0\x08", 3),
       "truncated header: an IDX label file starts with a 8-byte header but the file has 3 bytes"},
      {"bad-labels-is-images.idx", img,
       "wrong number of dimensions: magic 0x00000803 declares 3 but an IDX label file has 1"},
      {"bad-labels-out-of-range.idx", idx_labels(3, "\x01\x0a\x02"),
       "label out of range: label 1 is 10 but the set has 10 classes (0..9)"},
      {"bad-labels-trailing.idx.gz", gzip(lab + Bytes(1, '\0')),
       "trailing bytes: header says 3 labels (11 bytes) but the file decompresses to 12 bytes"},
  };
}

Bytes st_image(const std::string& header, const Bytes& data) {
  return le64(header.size()) + header + data;
}

std::string f32_entry(const std::string& name, const std::string& shape, int begin, int end) {
  return "\"" + name + "\":{\"dtype\":\"F32\",\"shape\":" + shape + ",\"data_offsets\":[" +
         std::to_string(begin) + "," + std::to_string(end) + "]}";
}

Bytes to_bytes(const std::vector<std::byte>& v) {
  return Bytes(reinterpret_cast<const char*>(v.data()), v.size());
}

std::vector<Case> safetensors_cases() {
  ts::SafetensorsContents good;
  const std::vector<float> w{1.5f, -2.0f, 0.25f, 3.0f, 0.0f, -0.5f};
  const std::vector<int64_t> idx{0, -7, 1LL << 40};
  const std::vector<uint8_t> mask{1, 0, 1};
  good.tensors.push_back(ts::make_f32("fc1.weight", {2, 3}, w));
  good.tensors.push_back(ts::make_i64("steps", {3}, idx));
  good.tensors.push_back(ts::make_u8("mask", {3}, mask));
  good.tensors.push_back(ts::make_f64("scalar", {}, std::vector<double>{0.125}));
  good.metadata["format"] = "example";
  const Bytes ok = to_bytes(ts::serialize_safetensors(good, "ok"));
  const Bytes four(4, '\0'), eight(8, '\0');
  return {
      {"ok-tensors.safetensors", ok, ""},
      {"ok-empty.safetensors", st_image("{}", ""), ""},
      {"bad-too-short.safetensors", "abc", "3 bytes, too short"},
      {"bad-header-past-end.safetensors", le64(100) + "{}", "header length 100"},
      {"bad-header-absurd.safetensors", le64(uint64_t{1} << 40) + "{}",
       "header length 1099511627776 (bytes 0-7) exceeds the limit"},
      {"bad-header-not-json.safetensors", st_image(R"({"w": })", ""), "not valid JSON"},
      {"bad-header-trailing-garbage.safetensors", st_image(R"({} x)", ""), "byte offset 11"},
      {"bad-header-invalid-utf8.safetensors", st_image("{\"w\xff\":1}", ""), "not valid JSON"},
      {"bad-header-not-object.safetensors", st_image("[1, 2]", ""), "must start with '{'"},
      {"bad-entry-not-object.safetensors", st_image(R"({"w": 5})", ""),
       "tensor \"w\": entry must be an object with dtype, shape and data_offsets, found 5"},
      {"bad-missing-offsets.safetensors", st_image(R"({"w":{"dtype":"F32","shape":[1]}})", four),
       "tensor \"w\": missing field \"data_offsets\""},
      {"bad-extra-field.safetensors",
       st_image(R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"extra":0}})", four),
       "unexpected field \"extra\""},
      {"bad-duplicate-field.safetensors",
       st_image(R"({"w":{"dtype":"F32","dtype":"F32","shape":[1],"data_offsets":[0,4]}})", four),
       "field \"dtype\" appears twice"},
      {"bad-dtype-number.safetensors",
       st_image(R"({"w":{"dtype":4,"shape":[1],"data_offsets":[0,4]}})", four),
       "field \"dtype\" must be a string, found 4"},
      {"bad-dtype-f16.safetensors",
       st_image(R"({"w":{"dtype":"F16","shape":[2],"data_offsets":[0,4]}})", four),
       "dtype \"F16\" is not supported"},
      {"bad-shape-not-array.safetensors",
       st_image(R"({"w":{"dtype":"F32","shape":3,"data_offsets":[0,4]}})", four),
       "field \"shape\" must be an array"},
      {"bad-shape-negative.safetensors",
       st_image(R"({"w":{"dtype":"F32","shape":[2,-1],"data_offsets":[0,4]}})", four),
       "shape[1] is -1"},
      {"bad-shape-fraction.safetensors",
       st_image(R"({"w":{"dtype":"F32","shape":[2.5],"data_offsets":[0,4]}})", four),
       "shape[0] is 2.5"},
      {"bad-shape-nested.safetensors",
       st_image(R"({"w":{"dtype":"F32","shape":[[1]],"data_offsets":[0,4]}})", four),
       "nested too deeply"},
      {"bad-offsets-length.safetensors",
       st_image(R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[0]}})", four),
       "field \"data_offsets\" must be [begin, end], found [0]"},
      {"bad-offset-negative.safetensors",
       st_image(R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[0,-4]}})", four),
       "data_offsets[1] is -4"},
      {"bad-size-overflow.safetensors",
       st_image(R"({"w":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,4]}})",
                four),
       "more bytes than fit in 64 bits"},
      {"bad-begin-after-end.safetensors",
       st_image(R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[8,4]}})", eight),
       "data_offsets [8, 4] have begin after end"},
      {"bad-end-past-buffer.safetensors",
       st_image(R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", four),
       "data_offsets [0, 8] end past the data buffer, which holds 4 bytes"},
      {"bad-size-mismatch.safetensors",
       st_image("{" + f32_entry("fc1.weight", "[10,20]", 0, 400) + "}", Bytes(400, '\0')),
       "tensor \"fc1.weight\": data_offsets [0, 400] hold 400 bytes but dtype F32 with shape [10, "
       "20] needs 800"},
      {"bad-overlap.safetensors",
       st_image("{" + f32_entry("a", "[2]", 0, 8) + "," + f32_entry("b", "[2]", 4, 12) + "}",
                Bytes(12, '\0')),
       "tensor \"b\": data_offsets [4, 12] overlap tensor \"a\" at [0, 8]"},
      {"bad-hole.safetensors",
       st_image("{" + f32_entry("a", "[1]", 0, 4) + "," + f32_entry("b", "[1]", 8, 12) + "}",
                Bytes(12, '\0')),
       "data buffer bytes [4, 8)"},
      {"bad-bytes-after-last.safetensors", st_image("{" + f32_entry("a", "[1]", 0, 4) + "}", eight),
       "data buffer bytes [4, 8)"},
      {"bad-duplicate-name.safetensors",
       st_image("{" + f32_entry("a", "[1]", 0, 4) + "," + f32_entry("a", "[1]", 0, 4) + "}", four),
       "tensor \"a\" appears twice"},
      {"bad-metadata-not-object.safetensors", st_image(R"({"__metadata__":[1]})", ""),
       "__metadata__ must be an object"},
      {"bad-metadata-number.safetensors", st_image(R"({"__metadata__":{"epoch":3}})", ""),
       "__metadata__ key \"epoch\" must be a string, found 3"},
  };
}

// A checkpoint with one change: `edit` receives the parsed contents.
template <class F>
Bytes edited_checkpoint(const Bytes& seed, F&& edit) {
  ts::SafetensorsContents c =
      ts::parse_safetensors(std::as_bytes(std::span<const char>(seed.data(), seed.size())), "seed");
  edit(c);
  return to_bytes(ts::serialize_safetensors(c, "edited"));
}

ts::TensorRecord* find(ts::SafetensorsContents& c, const std::string& name) {
  for (auto& t : c.tensors)
    if (t.name == name) return &t;
  throw std::runtime_error("the seed checkpoint has no tensor " + name);
}

std::vector<Case> checkpoint_cases() {
  const Bytes seed = to_bytes(ts::fuzz::checkpoint_seed(7));
  auto edit = [&](auto&& f) { return edited_checkpoint(seed, f); };
  const float nan = std::numeric_limits<float>::quiet_NaN();
  return {
      {"ok-checkpoint.safetensors", seed, ""},
      {"ok-initial.safetensors", to_bytes(ts::fuzz::checkpoint_seed(0)), ""},
      {"bad-not-safetensors.safetensors", "{\"step\": 7}", "header length"},
      {"bad-format.safetensors", edit([](auto& c) { c.metadata["format"] = "other"; }),
       "__metadata__ \"format\" is \"other\", expected \"trainscope-checkpoint-1\""},
      {"bad-no-metadata.safetensors", edit([](auto& c) { c.metadata.clear(); }),
       "__metadata__ has no \"format\"; not a trainscope checkpoint"},
      {"bad-missing-weight.safetensors", edit([](auto& c) {
         std::erase_if(c.tensors, [](auto& t) { return t.name == "fc1.weight"; });
       }),
       "tensor \"fc1.weight\" is missing"},
      {"bad-weight-shape.safetensors", edit([](auto& c) {
         find(c, "fc1.weight")->shape = {4, 5};
       }),
       "tensor \"fc1.weight\" has shape [4, 5], the model needs [5, 4]"},
      {"bad-weight-dtype.safetensors", edit([](auto& c) {
         auto* t = find(c, "fc1.bias");
         *t = ts::make_f64(t->name, t->shape, std::vector<double>(5, 0.5));
       }),
       "fc1.bias"},
      {"bad-weight-nan.safetensors",
       edit([&](auto& c) { std::memcpy(find(c, "fc2.bias")->data.data(), &nan, 4); }),
       "tensor \"fc2.bias\" holds a non-finite value"},
      {"bad-mask-value.safetensors",
       edit([](auto& c) { find(c, "__mask__.fc1.weight")->data[0] = std::byte{2}; }),
       "mask \"__mask__.fc1.weight\" holds a value other than 0 or 1"},
      {"bad-optimizer-kind.safetensors", edit([](auto& c) { c.metadata["optimizer"] = "sgd"; }),
       "optimizer state is for sgd, the run uses adam"},
      {"bad-optimizer-state-missing.safetensors", edit([](auto& c) {
         std::erase_if(c.tensors, [](auto& t) { return t.name.rfind("__optim__.", 0) == 0; });
       }),
       "optimizer state \"__optim__."},
      {"bad-step-negative.safetensors", edit([](auto& c) { c.metadata["step"] = "-1"; }),
       "__metadata__ \"step\" must be a non-negative integer, got \"-1\""},
      {"bad-step-text.safetensors", edit([](auto& c) { c.metadata["step"] = "7 steps"; }),
       "__metadata__ \"step\" must be a non-negative integer, got \"7 steps\""},
      {"bad-batcher.safetensors", edit([](auto& c) { c.metadata["batcher"] = "{\"seed\": 1}"; }),
       "__metadata__ \"batcher\" is malformed"},
      {"bad-frozen.safetensors", edit([](auto& c) { c.metadata["frozen"] = "[3]"; }),
       "__metadata__ \"frozen\" is malformed"},
      {"bad-scripts-applied.safetensors",
       edit([](auto& c) { c.metadata["scripts_applied"] = "9"; }),
       "__metadata__ \"scripts_applied\" (9) is more than the 1 scripted commands of its config"},
      {"bad-schedule-start.safetensors", edit([](auto& c) { c.metadata["schedule_start"] = "99"; }),
       "__metadata__ \"schedule_start\" (99) is after \"step\" (7)"},
      {"bad-ensemble-steps.safetensors",
       edit([](auto& c) { c.metadata["ensemble_steps"] = "[5]"; }),
       "tensor \"__ensemble__.0\" is missing"},
  };
}

std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::vector<Case> config_cases(const fs::path& presets) {
  std::vector<Case> cases;
  for (const auto& entry : fs::directory_iterator(presets))
    if (entry.path().extension() == ".json")
      cases.push_back(
          {"ok-preset-" + entry.path().filename().string(), read_text(entry.path()), ""});
  const std::string model =
      R"("model": {"layers": [{"type": "dense", "units": 8, "activation": "relu"}, {"type": "dense", "units": 2}]})";
  auto with = [&](const std::string& rest) { return "{" + model + ", " + rest + "}"; };
  cases.insert(
      cases.end(),
      {
          {"bad-not-json.json", "{\"model\": ", "not valid JSON"},
          {"bad-number-overflow.json", with(R"("training": {"steps": 1e600})"),
           "not valid JSON: [json.exception.out_of_range.406] number overflow parsing '1e600'"},
          {"bad-not-object.json", "[1, 2]", "the top level: must be a JSON object"},
          {"bad-no-layers.json", "{\"name\": \"x\"}", "model"},
          {"bad-batch-size.json", with(R"("training": {"batch_size": 0})"),
           "training.batch_size: must be in [1, 65536], got 0"},
          {"bad-unknown-key.json", with(R"("trainig": {"epochs": 3})"), "trainig"},
          {"bad-activation.json",
           R"({"model": {"layers": [{"type": "dense", "units": 8, "activation": "relux"}]}})",
           "relux"},
          {"bad-layer-type.json", R"({"model": {"layers": [{"type": "lstm", "units": 8}]}})",
           "lstm"},
          {"bad-units.json", R"({"model": {"layers": [{"type": "dense", "units": -3}]}})", "units"},
          {"bad-dataset.json", with(R"("data": {"dataset": "imagenet"})"), "imagenet"},
          {"bad-optimizer.json", with(R"("optimizer": {"type": "lion"})"), "lion"},
          {"bad-schedule.json", with(R"("schedule": {"type": "step", "lr": -1})"), "schedule"},
          {"bad-dropout.json", with(R"("regularization": {"dropout": 1.5})"), "dropout"},
          {"bad-frozen.json", with(R"("training": {"frozen": ["fc9"]})"),
           "training.frozen: no layer of the model is named \"fc9\""},
          {"bad-threads-type.json", with(R"("training": {"threads": "two"})"), "training.threads"},
          {"bad-script.json", with(R"("script": [{"at": 5, "do": "explode"}])"), "script[0]"},
      });
  return cases;
}

std::vector<Case> script_cases() {
  return {
      {"ok-script.json",
       R"([{"at": 2000, "do": "prune", "layers": ["fc1"], "amount": 0.5, "criterion": "unit_l2"},
 {"at": 10, "do": "set", "lr": 0.01},
 {"at": 10, "do": "schedule", "schedule": {"type": "cosine", "lr": 0.1, "min_lr": 0.001, "total_steps": 1000}},
 {"at": 50, "do": "optimizer", "optimizer": {"type": "adam", "beta1": 0.8}},
 {"at": 60, "do": "freeze", "layer": "fc2"}, {"at": 70, "do": "unfreeze", "layer": "fc2"},
 {"at": 80, "do": "snapshot", "label": "before"}, {"at": 90, "do": "rewind", "to": "snapshot", "label": "before", "keep_masks": true},
 {"at": 100, "do": "rewind", "to": "step", "step": 40}, {"at": 110, "do": "save", "path": "x.safetensors"},
 {"at": 120, "do": "step", "count": 3}, {"at": 130, "do": "pause"}])",
       ""},
      {"ok-empty.json", "[]", ""},
      {"bad-not-json.json", "[{\"at\": 1,", "not valid JSON"},
      {"bad-not-list.json", R"({"at": 1, "do": "pause"})",
       "must be a list of commands with \"at\""},
      {"bad-no-at.json", R"([{"do": "pause"}])", "[0]: a scripted command needs \"at\" (the step)"},
      {"bad-at-fraction.json", R"([{"at": 2.5, "do": "pause"}])",
       "[0].at: must be a whole number of steps in [0, 2^62), got 2.5"},
      {"bad-at-huge.json", R"([{"at": 1e300, "do": "pause"}])", "[0].at: must be a whole number"},
      {"bad-at-overflow.json", R"([{"at": 1e600, "do": "pause"}])",
       "number overflow parsing '1e600'"},
      {"bad-at-negative.json", R"([{"at": -1, "do": "pause"}])", "[0].at: must be a whole number"},
      {"bad-unknown-do.json", R"([{"at": 1, "do": "explode"}])", "[0].do: must be one of"},
      {"bad-prune-amount.json", R"([{"at": 1, "do": "prune", "amount": 2}])",
       "[0].amount: must be in [0, 1]"},
      {"bad-prune-criterion.json", R"([{"at": 1, "do": "prune", "criterion": "taylor"}])",
       "[0].criterion: must be"},
      {"bad-set-two.json", R"([{"at": 1, "do": "set", "lr": 0.1, "momentum": 0.5}])",
       "\"set\" takes exactly one of"},
      {"bad-step-count.json", R"([{"at": 1, "do": "step", "count": 0}])",
       "[0].count: must be >= 1"},
      {"bad-rewind-to.json", R"([{"at": 1, "do": "rewind", "to": "yesterday"}])",
       "[0].to: must be \"init\", \"snapshot\" or \"step\""},
      {"bad-unknown-field.json", R"([{"at": 1, "do": "pause", "why": "tea"}])", "why"},
      {"bad-second-entry.json", R"([{"at": 1, "do": "pause"}, {"at": 2, "do": "freeze"}])",
       "[1].layer: must name a layer"},
  };
}

std::vector<Case> csv_cases() {
  return {
      {"ok-metrics.csv",
       "step,epoch,lr,train_loss,train_accuracy\n1,0.01,0.1,2.30258,0.125\n2,0.02,0.1,2.1,0.25\n",
       ""},
      {"ok-events.csv",
       "step,kind,detail,before,after\n100,prune,\"prune magnitude 50% of fc1: removed 128, kept "
       "128\",,\n"
       "200,set,\"a \"\"quoted\"\" word\",0.05,0.01\n",
       ""},
      {"ok-torn.csv", "step,loss\n1,0.5\n2,0.4\n3,0.", ""},
      {"ok-crlf.csv", "step,loss\r\n1,0.5\r\n", ""},
      {"bad-quote-in-field.csv", "step,detail\n1,ab\"c\n2,x\n",
       "line 2, byte offset 16: double quote inside an unquoted field"},
      {"bad-after-quote.csv", "step,detail\n1,\"ab\"c\n2,x\n",
       "line 2, byte offset 18: expected a comma or the end of the line after a closing quote"},
      {"bad-header-quote.csv", "st\"ep,loss\n1,0.5\n",
       "line 1, byte offset 2: double quote inside an unquoted field"},
      {"bad-third-line.csv", "step,detail\n1,\"a,b\"\n2,\"c\"\"d\"e\n3,f\n",
       "line 3, byte offset 28: expected a comma or the end of the line after a closing quote"},
  };
}

void write_target(const fs::path& dir, const std::vector<Case>& cases) {
  fs::create_directories(dir);
  for (const auto& entry : fs::directory_iterator(dir))
    if (entry.is_regular_file()) fs::remove(entry.path());
  std::ofstream manifest(dir / "EXPECTED", std::ios::binary);
  manifest << "# Each malformed file, a tab, and what its error message must contain besides the\n"
              "# file's name. Written by tests/fuzz/corpus_writer.cpp (make fuzz-corpus).\n";
  for (const Case& c : cases) {
    std::ofstream out(dir / c.name, std::ios::binary);
    out.write(c.bytes.data(), std::streamsize(c.bytes.size()));
    if (c.name.rfind("bad-", 0) == 0) manifest << c.name << '\t' << c.expected << '\n';
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: fuzz_corpus_writer <corpus-dir> <presets-dir>\n";
    return 2;
  }
  try {
    const fs::path root = argv[1];
    write_target(root / "idx", idx_cases());
    write_target(root / "safetensors", safetensors_cases());
    write_target(root / "checkpoint", checkpoint_cases());
    write_target(root / "config", config_cases(argv[2]));
    write_target(root / "script", script_cases());
    write_target(root / "csv", csv_cases());
  } catch (const std::exception& e) {
    std::cerr << "fuzz_corpus_writer: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
