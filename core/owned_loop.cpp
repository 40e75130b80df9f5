#include "core/owned_loop.h"

namespace ts {

void piece_owners(std::span<const ParamPiece> pieces, int slots, std::vector<int>& owner) {
  slots = owner_slots(slots);
  owner.assign(pieces.size(), 0);
  std::array<std::size_t, kMaxOwnerSlots> load{};
  auto least_loaded = [&] {
    int best = 0;
    for (int s = 1; s < slots; ++s)
      if (load[std::size_t(s)] < load[std::size_t(best)]) best = s;
    return best;
  };
  for (std::size_t first = 0; first < pieces.size();) {
    std::size_t end = first + 1;
    while (end < pieces.size() && pieces[end].tensor == pieces[first].tensor) ++end;
    const std::size_t n = end - first;
    for (std::size_t i = 0; i < n; ++i) {
      const int s = n == 1 ? least_loaded() : int(i * std::size_t(slots) / n);
      owner[first + i] = s;
      load[std::size_t(s)] += pieces[first + i].size;
    }
    first = end;
  }
}

void run_owners(int items, int slots, std::vector<int>& owner) {
  slots = owner_slots(slots);
  owner.resize(std::size_t(std::max(items, 0)));
  for (int i = 0; i < items; ++i) owner[std::size_t(i)] = int(long(i) * slots / items);
}

}  // namespace ts
