// Heatmap export (app/plot/heatmap_export.h) and the colormap table it shares with the GPU
// program: colours at the stops, the CSV of a small grid written out by hand, whole-pixel
// cells in the PNG pixels, and an SVG that carries its labels and a real PNG.
#include "app/plot/colormap.h"
#include "app/plot/heatmap_export.h"
#include "core/error.h"
#include "tests/temp_dir.h"

#include <doctest/doctest.h>

#include <cmath>
#include <fstream>
#include <sstream>

using namespace ts;
using namespace ts::plot;

namespace {
uint32_t rgba(float r, float g, float b) {
  auto byte = [](float c) { return uint32_t(std::lround(c * 255.f)); };
  return 0xff000000u | (byte(b) << 16) | (byte(g) << 8) | byte(r);
}
}  // namespace

TEST_CASE("colormaps: the ends, an inner stop, a midpoint and no value") {
  const auto v = colormap_stops(Colormap::viridis);
  REQUIRE(v.size() == 9);
  CHECK(colormap_rgba(Colormap::viridis, 2.f, 2.f, 6.f) == rgba(v[0][0], v[0][1], v[0][2]));
  CHECK(colormap_rgba(Colormap::viridis, 6.f, 2.f, 6.f) == rgba(v[8][0], v[8][1], v[8][2]));
  CHECK(colormap_rgba(Colormap::viridis, 9.f, 2.f, 6.f) ==
        rgba(v[8][0], v[8][1], v[8][2]));  // clamped
  CHECK(colormap_rgba(Colormap::viridis, 4.f, 2.f, 6.f) ==
        rgba(v[4][0], v[4][1], v[4][2]));  // t = 0.5
  // Halfway between stops 0 and 1 of the diverging map (t = 1/12).
  const auto d = colormap_stops(Colormap::diverging);
  REQUIRE(d.size() == 7);
  const Rgb mid = colormap_at(Colormap::diverging, 1.f / 12.f);
  for (int k = 0; k < 3; ++k)
    CHECK(mid[std::size_t(k)] ==
          doctest::Approx((d[0][std::size_t(k)] + d[1][std::size_t(k)]) / 2).epsilon(1e-5));
  CHECK(colormap_rgba(Colormap::diverging, NAN, 0.f, 1.f) ==
        rgba(kNoValue[0], kNoValue[1], kNoValue[2]));
}

TEST_CASE("heatmap export: CSV cells, whole-pixel PNG cells, an SVG with labels and image") {
  const float values[6] = {0.f, 0.5f, 1.f, NAN, 0.25f, 2.f};  // 2 rows x 3 columns
  const HeatmapGrid g{2, 3, values, 0.f, 1.f, Colormap::viridis, {}};
  HeatmapLabels l;
  l.title = "fc1 over training";
  l.x_label = "step";
  l.y_label = "activation";
  l.value_label = "share";
  l.x_of = [](int c) { return 100.0 * (c + 1); };
  l.y_of = [](int r) { return r == 0 ? 1.5 : -1.5; };
  CHECK(heatmap_csv(g, l) ==
        "step,activation,share\n100,1.5,0\n200,1.5,0.5\n300,1.5,1\n100,-1.5,\n200,-1.5,0.25\n300,-"
        "1.5,2\n");

  const auto px = heatmap_pixels(g, 2, 3);
  REQUIRE(px.size() == std::size_t(6 * 6));
  // Cell (row 1, column 2) holds 2 (clamped to the top colour) over pixels x 4..5, y 3..5.
  const uint32_t top = colormap_rgba(Colormap::viridis, 1.f, 0.f, 1.f);
  for (int y = 3; y < 6; ++y)
    for (int x = 4; x < 6; ++x) CHECK(px[std::size_t(y * 6 + x)] == top);
  CHECK(px[std::size_t(3 * 6 + 0)] == colormap_rgba(Colormap::viridis, NAN, 0.f, 1.f));

  ts::testing::TempDir dir;
  const auto svg = dir.path() / "out" / "map.svg";
  write_heatmap_svg(svg, g, l);
  std::ifstream in(svg);
  std::stringstream text;
  text << in.rdbuf();
  const std::string s = text.str();
  CHECK(s.find("<svg") == 0);
  CHECK(s.find(">fc1 over training<") != std::string::npos);
  CHECK(s.find(">step<") != std::string::npos);
  CHECK(s.find(">activation<") != std::string::npos);
  CHECK(s.find(">300<") != std::string::npos);  // the last column's coordinate
  CHECK(s.find("data:image/png;base64,iVBORw0KGgo") != std::string::npos);  // "\x89PNG\r\n\x1a\n"
  const auto png = dir.path() / "map.png";
  write_heatmap_png(png, g, 30, 10);
  std::ifstream pin(png, std::ios::binary);
  char magic[8] = {};
  pin.read(magic, 8);
  CHECK(std::string(magic + 1, 3) == "PNG");
  const float none[1] = {0.f};
  CHECK_THROWS_WITH_AS(
      write_heatmap_csv(dir.path() / "e.csv",
                        HeatmapGrid{0, 0, none, 0.f, 1.f, Colormap::viridis, {}}, l),
      doctest::Contains("e.csv"), Error);
}

TEST_CASE("heatmap export: square cells keep a plane's axes equal in the SVG and the PNG") {
  // A 2 x 3 grid: drawn square, its plot is 1.5 times as wide as high; by default it fills
  // the wide 720 x 400 box, and the PNG's cells follow the minimum size asked for.
  const float values[6] = {0.f, 0.2f, 0.4f, 0.6f, 0.8f, 1.f};
  const HeatmapGrid g{2, 3, values, 0.f, 1.f, Colormap::viridis, {}};
  ts::testing::TempDir dir;
  auto image_box = [&](bool square) {
    HeatmapLabels l;
    l.square_cells = square;
    const auto svg = dir.path() / (square ? "square.svg" : "wide.svg");
    write_heatmap_svg(svg, g, l);
    std::ifstream in(svg);
    std::stringstream text;
    text << in.rdbuf();
    const std::string s = text.str();
    const auto at = s.find("<image");
    REQUIRE(at != std::string::npos);
    auto number = [&](const std::string& name) {
      const auto p = s.find(name + "=\"", at);
      REQUIRE(p != std::string::npos);
      return std::stod(s.substr(p + name.size() + 2));
    };
    return std::pair{number("width"), number("height")};
  };
  const auto [sw, sh] = image_box(true);
  CHECK(sw == doctest::Approx(720.0));  // 720 / 3 = 240 a cell, under 480 / 2
  CHECK(sh == doctest::Approx(480.0));
  const auto [ww, wh] = image_box(false);
  CHECK(ww == doctest::Approx(720.0));
  CHECK(wh == doctest::Approx(400.0));
  // The PNG: 30 x 10 pixels at least; square cells take the larger of 10 and 5 pixels a side.
  auto png_size = [&](bool square) {
    const auto png = dir.path() / (square ? "square.png" : "wide.png");
    write_heatmap_png(png, g, 30, 10, square);
    std::ifstream in(png, std::ios::binary);
    unsigned char head[24] = {};
    in.read(reinterpret_cast<char*>(head), 24);
    auto be32 = [&](int at) {
      return (int(head[at]) << 24) | (int(head[at + 1]) << 16) | (int(head[at + 2]) << 8) |
             int(head[at + 3]);
    };
    return std::pair{be32(16), be32(20)};  // the IHDR chunk's width and height
  };
  CHECK(png_size(true) == std::pair{30, 20});
  CHECK(png_size(false) == std::pair{30, 10});
}
