#include "core/data/idx_reader.h"

#include "core/error.h"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <fstream>
#include <system_error>

namespace ts {

namespace {

constexpr uint32_t kImageMagic = 0x00000803;
constexpr uint32_t kLabelMagic = 0x00000801;
constexpr uint8_t kUnsignedByteType = 0x08;
// Deflate cannot expand by more than about 1032:1, so a gzip file of c bytes holds at most
// c * 1032 bytes of content (plus a little slack for tiny files).
constexpr uint64_t kMaxDeflateRatio = 1032;
constexpr uint64_t kDeflateSlack = 1024;

[[noreturn]] void fail(const std::filesystem::path& path, const std::string& what) {
  throw Error(path.string() + ": " + what);
}

std::string hex32(uint32_t v) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string s = "0x";
  for (int shift = 28; shift >= 0; shift -= 4) s += kDigits[(v >> shift) & 0xf];
  return s;
}

uint32_t big_endian_u32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}

// The content of one IDX file, plain or gzip, read front to back. Plain files are read
// straight from disk; a gzip file is read into memory (its real length, at most
// kMaxIdxBytes) and inflated on demand, so output is produced only as far as asked for.
class IdxSource {
 public:
  explicit IdxSource(const std::filesystem::path& path) : path_(path) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) fail(path, "is a directory, not an IDX file");
    const uintmax_t size = std::filesystem::file_size(path, ec);
    if (ec) fail(path, "cannot open: " + ec.message());
    file_.open(path, std::ios::binary);
    if (!file_) fail(path, "cannot open for reading");
    if (size == 0) fail(path, "empty file (0 bytes)");
    file_size_ = size;

    std::array<uint8_t, 2> magic{};
    const std::size_t got = read_plain(magic.data(), magic.size());
    gzip_ = got == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
    if (!gzip_) {
      file_.clear();
      file_.seekg(0);
      if (!file_) fail(path, "cannot seek back to the start of the file");
      return;
    }
    if (file_size_ > kMaxIdxBytes) {
      fail(path, "gzip file of " + std::to_string(file_size_) + " bytes exceeds the limit of " +
                     std::to_string(kMaxIdxBytes) + " bytes");
    }
    compressed_.resize(static_cast<std::size_t>(file_size_));
    compressed_[0] = magic[0];
    compressed_[1] = magic[1];
    if (read_plain(compressed_.data() + 2, compressed_.size() - 2) != compressed_.size() - 2) {
      fail(path, "read error: the file has fewer bytes than its size says");
    }
    if (inflateInit2(&z_, 16 + MAX_WBITS) != Z_OK) fail(path, "cannot start gzip decompression");
    z_ready_ = true;
    z_.next_in = compressed_.data();
    z_.avail_in = static_cast<uInt>(compressed_.size());
  }
  ~IdxSource() {
    if (z_ready_) inflateEnd(&z_);
  }
  IdxSource(const IdxSource&) = delete;
  IdxSource& operator=(const IdxSource&) = delete;

  bool gzip() const { return gzip_; }
  uint64_t file_size() const { return file_size_; }

  // Most content bytes the file can hold: its length, or for gzip what deflate's largest
  // ratio allows, and never more than kMaxIdxBytes.
  uint64_t content_bound() const {
    const uint64_t bound = gzip_ ? file_size_ * kMaxDeflateRatio + kDeflateSlack : file_size_;
    return std::min(bound, kMaxIdxBytes);
  }

  // Reads up to n content bytes; returns fewer only at the end of the content.
  std::size_t read(uint8_t* dst, std::size_t n) {
    return gzip_ ? inflate_into(dst, n) : read_plain(dst, n);
  }

  // Reads and counts the content bytes left, stopping once `limit` are counted.
  uint64_t count_rest(uint64_t limit) {
    std::vector<uint8_t> scratch(1 << 16);
    uint64_t total = 0;
    while (total < limit) {
      const std::size_t got = read(scratch.data(), scratch.size());
      total += got;
      if (got < scratch.size()) break;
    }
    return total;
  }

  // Call once all content has been read: a gzip stream must have ended exactly at the end
  // of the file (no second member or garbage after it).
  void finish() {
    if (!gzip_) return;
    if (!z_ended_) fail(path_, "truncated gzip stream: it ends before its end marker");
    if (z_.avail_in != 0) {
      fail(path_, "trailing bytes: " + std::to_string(z_.avail_in) +
                      " bytes follow the end of the gzip stream");
    }
  }

  // "the file has 1000 bytes" / "the file decompresses to 1000 bytes"
  std::string has(uint64_t content_bytes) const {
    return std::string(gzip_ ? "the file decompresses to " : "the file has ") +
           std::to_string(content_bytes) + " bytes";
  }

 private:
  std::size_t read_plain(uint8_t* dst, std::size_t n) {
    file_.read(reinterpret_cast<char*>(dst), static_cast<std::streamsize>(n));
    if (file_.bad()) fail(path_, "read error");
    return static_cast<std::size_t>(file_.gcount());
  }

  // "corrupt gzip data at compressed byte 12: ", where the inflater stopped.
  std::string corrupt_at() const {
    return "corrupt gzip data at compressed byte " + std::to_string(z_.total_in) + ": ";
  }

  std::size_t inflate_into(uint8_t* dst, std::size_t n) {
    std::size_t done = 0;
    while (done < n && !z_ended_) {
      const std::size_t chunk = std::min<std::size_t>(n - done, std::size_t{1} << 30);
      z_.next_out = dst + done;
      z_.avail_out = static_cast<uInt>(chunk);
      const int ret = inflate(&z_, Z_NO_FLUSH);
      done += chunk - z_.avail_out;
      switch (ret) {
        case Z_OK:
          break;
        case Z_STREAM_END:
          z_ended_ = true;
          break;
        case Z_BUF_ERROR:
          if (z_.avail_in == 0) {
            fail(path_, "truncated gzip stream: the compressed data ends after " +
                            std::to_string(file_size_) + " bytes, before the end of the stream");
          }
          fail(path_, corrupt_at() + "decompression made no progress");
        case Z_MEM_ERROR:
          fail(path_, "out of memory while decompressing");
        default:
          fail(path_, corrupt_at() + (z_.msg ? z_.msg : "inflate failed") +
                          " (expected a deflate stream with a matching CRC-32 and length)");
      }
    }
    return done;
  }

  std::filesystem::path path_;
  std::ifstream file_;
  uint64_t file_size_ = 0;
  bool gzip_ = false;
  std::vector<uint8_t> compressed_;
  z_stream z_{};
  bool z_ready_ = false;
  bool z_ended_ = false;
};

struct IdxContent {
  std::array<uint32_t, 3> dims{};
  std::vector<uint8_t> data;
};

// What the header claims, for messages: "60000 images of 28x28", "60000 labels".
std::string claim(int ndims, const std::array<uint32_t, 3>& dims) {
  if (ndims == 1) return std::to_string(dims[0]) + " labels";
  return std::to_string(dims[0]) + " images of " + std::to_string(dims[1]) + "x" +
         std::to_string(dims[2]);
}

// Reads an unsigned-byte IDX file with `ndims` dimensions (1: labels, 3: images), checking
// the header and that the content is exactly as long as the header says.
IdxContent read_ubyte_idx(const std::filesystem::path& path, int ndims) {
  const uint32_t expected_magic = ndims == 1 ? kLabelMagic : kImageMagic;
  const char* kind = ndims == 1 ? "label" : "image";
  const char* what_dims = ndims == 1 ? "(count)" : "(count, rows, cols)";
  const std::size_t header_size = 4 + 4 * static_cast<std::size_t>(ndims);

  IdxSource src(path);
  std::array<uint8_t, 16> header{};
  const std::size_t got_header = src.read(header.data(), header_size);
  if (got_header == 0) fail(path, std::string("empty file: ") + src.has(0));
  if (got_header < 4) {
    fail(path, "truncated header: an IDX " + std::string(kind) + " file starts with a " +
                   std::to_string(header_size) + "-byte header but " + src.has(got_header));
  }
  const uint32_t magic = big_endian_u32(header.data());
  if (header[0] != 0 || header[1] != 0 || header[2] != kUnsignedByteType) {
    fail(path, "wrong magic " + hex32(magic) + ": expected " + hex32(expected_magic) +
                   " (IDX unsigned-byte " + kind + "s); not an IDX " + kind + " file");
  }
  if (header[3] != ndims) {
    std::string hint;
    if (header[3] == 1) hint = "; is this a label file?";
    if (header[3] == 3) hint = "; is this an image file?";
    fail(path, "wrong number of dimensions: magic " + hex32(magic) + " declares " +
                   std::to_string(header[3]) + " but an IDX " + kind + " file has " +
                   std::to_string(ndims) + " " + what_dims + hint);
  }
  if (got_header < header_size) {
    fail(path, "truncated header: an IDX " + std::string(kind) + " file starts with a " +
                   std::to_string(header_size) + "-byte header but " + src.has(got_header));
  }

  IdxContent out;
  // The product of the dims, saturated at kHuge (far above any limit) so it cannot overflow.
  constexpr uint64_t kHuge = uint64_t{1} << 62;
  uint64_t payload = 1;
  for (int i = 0; i < ndims; ++i) {
    out.dims[i] = big_endian_u32(header.data() + 4 + 4 * i);
    payload = out.dims[i] != 0 && payload > kHuge / out.dims[i] ? kHuge : payload * out.dims[i];
  }
  if (out.dims[0] == 0) fail(path, std::string("empty: the header says 0 ") + kind + "s");
  if (ndims == 3 && (out.dims[1] == 0 || out.dims[2] == 0)) {
    fail(path, "bad header: images of " + std::to_string(out.dims[1]) + "x" +
                   std::to_string(out.dims[2]) + " pixels");
  }
  const uint64_t total = payload + header_size;
  auto total_text = [&] {
    return payload >= kHuge ? std::string("more than 2^62") : std::to_string(total);
  };
  auto size_error = [&](uint64_t actual) {
    const bool short_file = actual < total;
    fail(path, std::string(short_file ? "truncated" : "trailing bytes") + ": header says " +
                   claim(ndims, out.dims) + " (" + total_text() + " bytes) but " + src.has(actual));
  };

  // Check the claim against the real length before allocating anything for it.
  auto too_large = [&] {
    fail(path, "too large: header says " + claim(ndims, out.dims) + " (" + total_text() +
                   " bytes), more than the limit of " + std::to_string(kMaxIdxBytes) + " bytes");
  };
  if (!src.gzip() && total != src.file_size()) size_error(src.file_size());
  if (total > src.content_bound()) {
    // A plain file this long exceeds the cap. A gzip file cannot hold this much, or the cap
    // is exceeded: count the real content (bounded by what deflate can produce from the
    // file) so the message says how much there is.
    if (src.gzip()) {
      const uint64_t actual = header_size + src.count_rest(src.content_bound() + 1);
      if (actual < total) size_error(actual);
    }
    too_large();
  }

  out.data.resize(static_cast<std::size_t>(payload));
  const std::size_t got = src.read(out.data.data(), out.data.size());
  if (got < out.data.size()) size_error(header_size + got);
  const uint64_t rest = src.count_rest(kMaxIdxBytes);
  if (rest > 0) size_error(total + rest);
  src.finish();
  return out;
}

}  // namespace

IdxImages read_idx_images(const std::filesystem::path& path) {
  IdxContent content = read_ubyte_idx(path, 3);
  IdxImages images;
  images.count = static_cast<Index>(content.dims[0]);
  images.rows = static_cast<Index>(content.dims[1]);
  images.cols = static_cast<Index>(content.dims[2]);
  images.pixels = std::move(content.data);
  return images;
}

std::vector<int32_t> read_idx_labels(const std::filesystem::path& path, int num_classes) {
  if (num_classes < 1 || num_classes > 256) {
    throw Error(path.string() + ": num_classes must be in [1, 256] for byte labels, got " +
                std::to_string(num_classes));
  }
  const IdxContent content = read_ubyte_idx(path, 1);
  std::vector<int32_t> labels(content.data.begin(), content.data.end());
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (labels[i] >= num_classes) {
      fail(path, "label out of range: label " + std::to_string(i) + " is " +
                     std::to_string(labels[i]) + " but the set has " + std::to_string(num_classes) +
                     " classes (0.." + std::to_string(num_classes - 1) + ")");
    }
  }
  return labels;
}

Dataset load_idx_pair(const std::filesystem::path& images_path,
                      const std::filesystem::path& labels_path, std::string name, int num_classes) {
  std::vector<int32_t> labels = read_idx_labels(labels_path, num_classes);
  IdxImages images = read_idx_images(images_path);
  if (images.count != static_cast<Index>(labels.size())) {
    throw Error(images_path.string() + ": count mismatch: " + std::to_string(images.count) +
                " images but " + labels_path.string() + " has " + std::to_string(labels.size()) +
                " labels (labels for another set?)");
  }
  Dataset d;
  d.name = std::move(name);
  d.sample_shape = Shape3{images.rows, images.cols, 1};
  d.num_classes = num_classes;
  d.pixels = std::move(images.pixels);
  d.labels = std::move(labels);
  return d;
}

}  // namespace ts
