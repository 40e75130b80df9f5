// Readers for IDX files, the format of MNIST and Fashion-MNIST: a big-endian header (magic
// 0x00000803 and dims n, rows, cols for unsigned-byte images; 0x00000801 and n for labels)
// followed by the bytes. Files may be plain or gzip-compressed (detected by the gzip magic
// 1f 8b, not by the name).
//
// A file is read only when it is exactly what its header says: a wrong magic or dimension
// count, a size that differs from the header's (short or with trailing bytes), a corrupt or
// cut gzip stream, an empty file, a label out of range - each throws ts::Error whose message
// names the file and the problem. Nothing is allocated from a header's counts before they
// are checked against the real file length (for gzip: against the largest content the
// compressed length can hold, and a 1 GiB cap); decompression stops at the header's size.
//
// Free functions without shared state: any thread may call them.
#pragma once

#include "core/data/dataset.h"
#include "core/tensor.h"

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace ts {

// Largest IDX content (header plus data, after decompression) the readers accept.
inline constexpr uint64_t kMaxIdxBytes = uint64_t{1} << 30;

struct IdxImages {
  Index count = 0;
  Index rows = 0;
  Index cols = 0;
  std::vector<uint8_t> pixels;  // count * rows * cols, image-major, each image row-major
};

// Reads an unsigned-byte image file (magic 0x00000803).
IdxImages read_idx_images(const std::filesystem::path& path);

// Reads a label file (magic 0x00000801); every label must be in [0, num_classes).
std::vector<int32_t> read_idx_labels(const std::filesystem::path& path, int num_classes = 10);

// Reads an image file and its label file into a Dataset named `name` with sample shape
// {rows, cols, 1}. Normalisation is left at mean 0, stddev 1 (the caller applies the training
// set's statistics). Throws, naming both files, when their counts differ.
Dataset load_idx_pair(const std::filesystem::path& images_path,
                      const std::filesystem::path& labels_path, std::string name,
                      int num_classes = 10);

}  // namespace ts
