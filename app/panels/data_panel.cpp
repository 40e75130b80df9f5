#include "app/panels/data_panel.h"

#include "core/error.h"

#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

namespace ts {

namespace {

// A qualitative palette for classes (10 colours), as IM_COL32 (bytes R, G, B, A).
constexpr ImU32 kClassColors[10] = {IM_COL32(31, 119, 180, 255),  IM_COL32(255, 127, 14, 255),
                                    IM_COL32(44, 160, 44, 255),   IM_COL32(214, 39, 40, 255),
                                    IM_COL32(148, 103, 189, 255), IM_COL32(140, 86, 75, 255),
                                    IM_COL32(227, 119, 194, 255), IM_COL32(127, 127, 127, 255),
                                    IM_COL32(188, 189, 34, 255),  IM_COL32(23, 190, 207, 255)};
constexpr ImU32 kBackground = IM_COL32(25, 27, 32, 255);
constexpr uint32_t kGap = 0xff201c1au;

ImU32 class_color(int c) { return kClassColors[std::size_t(std::max(c, 0) % 10)]; }

// a + (b - a) * t per channel, opaque.
uint32_t mix(ImU32 a, ImU32 b, float t) {
  uint32_t out = 0xff000000u;
  for (int shift = 0; shift < 24; shift += 8) {
    const float ca = float((a >> shift) & 0xff), cb = float((b >> shift) & 0xff);
    out |= uint32_t(std::clamp(ca + (cb - ca) * t, 0.f, 255.f)) << shift;
  }
  return out;
}

// Image i of an image set into an RGBA canvas at (x, y), channel 0 as grey.
void blit(const Dataset& d, std::size_t i, std::vector<uint32_t>& canvas, int canvas_w, int x,
          int y) {
  const int h = int(d.sample_shape.height), w = int(d.sample_shape.width);
  const int c = int(d.sample_shape.channels);
  const uint8_t* px = d.pixels.data() + i * std::size_t(h * w * c);
  for (int yy = 0; yy < h; ++yy)
    for (int xx = 0; xx < w; ++xx) {
      const uint32_t v = px[(yy * w + xx) * c];
      canvas[std::size_t((y + yy) * canvas_w + x + xx)] = 0xff000000u | (v << 16) | (v << 8) | v;
    }
}

std::string class_label(const Dataset& d, int c) {
  return c >= 0 && c < int(d.class_names.size()) ? d.class_names[std::size_t(c)]
                                                 : std::to_string(c);
}

ImTextureID texture_id(const GlTexture& t) {
  return reinterpret_cast<ImTextureID>(static_cast<intptr_t>(t.id()));
}

}  // namespace

void DataPanel::reset() {
  if (job_) job_->cancel();
  job_.reset();
  shown_.reset();
  shown_step_ = -1;
  prepared_ = false;
  failed_reported_ = false;
  job_seen_done_ = false;
  last_seconds_ = 0.0;
}

void DataPanel::prepare(const DataSplits& data) {
  prepared_ = true;
  const Dataset& d = data.train;
  two_d_ = !d.is_image() && d.sample_size() == 2;
  if (!d.is_image() && d.sample_size() >= 2) {
    // One range over the features of every training point (the first two for the plane),
    // padded.
    float lo = INFINITY, hi = -INFINITY;
    const Index dim = d.sample_size();
    const Index used = two_d_ ? 2 : dim;
    for (Index i = 0; i < d.size(); ++i)
      for (Index k = 0; k < used; ++k) {
        lo = std::min(lo, d.features[std::size_t(i * dim + k)]);
        hi = std::max(hi, d.features[std::size_t(i * dim + k)]);
      }
    if (!(hi > lo)) {
      lo -= 1;
      hi += 1;
    }
    const float pad = 0.05f * (hi - lo);
    lo_ = lo - pad;
    hi_ = hi + pad;
  }
  if (!d.is_image() || d.size() == 0) return;
  const int h = int(d.sample_shape.height), w = int(d.sample_shape.width);
  grid_cols_ = 16;
  grid_rows_ = 6;
  const int cell_w = w + 2, cell_h = h + 2;
  const int tw = grid_cols_ * cell_w, th = grid_rows_ * cell_h;
  std::vector<uint32_t> rgba(std::size_t(tw * th), kGap);
  for (int i = 0; i < grid_cols_ * grid_rows_ && i < int(d.size()); ++i)
    blit(d, std::size_t(i), rgba, tw, (i % grid_cols_) * cell_w, (i / grid_cols_) * cell_h);
  samples_.upload(tw, th, rgba);
}

void DataPanel::update_job(const DataSplits& data, Trainer& trainer, AnalysisJobs& jobs,
                           const Log& log) {
  if (job_ && job_->state() == JobState::done && job_->result() && job_->result() != shown_) {
    shown_ = job_->result();
    shown_step_ = job_->step();
    failed_reported_ = false;
    if (data.test.is_image()) build_mistakes(data.test);
    if (shown_->grid) build_regions();
    char line[160];
    if (data.test.is_image())
      std::snprintf(
          line, sizeof line,
          "analysis predictions done on step %lld: test accuracy %.2f%%, %zu mistakes shown",
          (long long)shown_step_, 100 * shown_->test.accuracy, shown_->test.worst.size());
    else
      std::snprintf(line, sizeof line,
                    "analysis predictions done on step %lld: test accuracy %.2f%%%s",
                    (long long)shown_step_, 100 * shown_->test.accuracy,
                    shown_->grid ? ", regions drawn" : "");
    log(line);
  }
  const auto now = std::chrono::steady_clock::now();
  if (job_ && job_->finished() && !job_seen_done_) {
    // The pause before the next start counts from the end of this one, and grows with what
    // a job costs, so predictions never keep the analysis core busy.
    job_seen_done_ = true;
    last_end_ = now;
    last_seconds_ = job_->seconds();
    if (job_->state() == JobState::failed && !failed_reported_) {
      failed_reported_ = true;
      log("analysis predictions failed: " + job_->error());
    }
  }
  const bool wanted = view_ != samples || (two_d_ && regions_);
  if (!wanted || data.test.size() == 0) return;
  if (job_ && !job_->finished()) return;
  const bool failed = job_ && job_->state() == JobState::failed;
  if (!failed && shown_ && shown_step_ == trainer.step()) return;
  // A 2-D set's regions follow training closely; a pass over 10,000 test images less often;
  // a failure is tried again after a while.
  const double base = failed ? 5.0 : two_d_ ? 0.25 : 1.5;
  const auto wait = std::chrono::duration<double>(std::max(base, 3.0 * last_seconds_));
  if (job_ && now - last_end_ < wait) return;
  const bool grid = two_d_;
  const float lo = lo_, hi = hi_;
  job_seen_done_ = false;
  job_ = jobs.start<DataAnalysis>(
      "predictions", trainer.capture(), [grid, lo, hi](AnalysisContext& c) {
        DataAnalysis a;
        a.test = predict_dataset(c.run.network(), c.run.config().loss, c.input.data->test, 24,
                                 c.cancel, [&](double f) { c.progress(grid ? 0.5 * f : f); });
        if (grid) a.grid = decision_grid(c.run.network(), lo, hi, 96);
        return a;
      });
}

void DataPanel::build_mistakes(const Dataset& test) {
  const auto& worst = shown_->test.worst;
  mistake_cols_ = 6;
  mistake_rows_ = 4;
  const int h = int(test.sample_shape.height), w = int(test.sample_shape.width);
  const int cell_w = w + 2, cell_h = h + 2;
  const int tw = mistake_cols_ * cell_w, th = mistake_rows_ * cell_h;
  std::vector<uint32_t> rgba(std::size_t(tw * th), kGap);
  for (std::size_t i = 0; i < worst.size() && i < std::size_t(mistake_cols_ * mistake_rows_); ++i)
    blit(test, worst[i], rgba, tw, int(i % std::size_t(mistake_cols_)) * cell_w,
         int(i / std::size_t(mistake_cols_)) * cell_h);
  mistakes_tex_.upload(tw, th, rgba);
}

void DataPanel::build_regions() {
  const DecisionGrid& g = *shown_->grid;
  const float chance = 1.f / float(std::max(2, shown_->test.classes));
  std::vector<uint32_t> rgba(g.cls.size());
  for (std::size_t i = 0; i < rgba.size(); ++i) {
    // Certain regions strongly tinted, uncertain ones near the background: the boundary
    // shows as the dark seam between two colours.
    const float sure = std::clamp((g.confidence[i] - chance) / (1.f - chance), 0.f, 1.f);
    rgba[i] = mix(kBackground, class_color(g.cls[i]), 0.1f + 0.32f * sure);
  }
  regions_tex_.upload(g.n, g.n, rgba);
}

void DataPanel::draw(const DataSplits* data, Trainer* trainer, AnalysisJobs& jobs,
                     const Report& report, const Log& log) {
  if (!data) {
    ImGui::TextUnformatted("No data loaded.");
    return;
  }
  if (!prepared_) prepare(*data);
  const bool images = data->train.is_image();
  ImGui::RadioButton(images ? "samples" : "points", &view_, samples);
  report("data-samples");
  ImGui::SameLine();
  ImGui::RadioButton("confusion", &view_, confusion);
  report("data-confusion");
  if (images) {
    ImGui::SameLine();
    ImGui::RadioButton("mistakes", &view_, mistakes);
    report("data-mistakes");
  } else if (two_d_) {
    ImGui::SameLine();
    ImGui::Checkbox("decision regions", &regions_);
    report("data-regions");
  }
  if (!images && view_ == mistakes) view_ = samples;
  if (trainer) update_job(*data, *trainer, jobs, log);
  if (job_ && job_->state() == JobState::failed) {
    ImGui::PushStyleColor(ImGuiCol_Text, IM_COL32(255, 120, 100, 255));
    ImGui::TextWrapped("predictions failed: %s", job_->error().c_str());
    ImGui::PopStyleColor();
  }
  switch (view_) {
    case confusion:
      draw_confusion(data->test, report);
      break;
    case mistakes:
      draw_mistakes(data->test, report);
      break;
    default:
      if (images)
        draw_images(data->train);
      else
        draw_points(data->train, report);
      break;
  }
}

void DataPanel::draw_images(const Dataset& d) {
  if (!samples_.id()) {
    ImGui::TextUnformatted("The sample images could not be shown.");
    return;
  }
  ImGui::TextWrapped("%s: the first %d training images with their labels", d.name.c_str(),
                     grid_cols_ * grid_rows_);
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  const float scale = std::max(
      0.5f, std::min(avail.x / float(samples_.width()), (avail.y - 4) / float(samples_.height())));
  const ImVec2 origin = ImGui::GetCursorScreenPos();
  const ImVec2 size(float(samples_.width()) * scale, float(samples_.height()) * scale);
  ImGui::Image(texture_id(samples_), size);
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const float cw = size.x / float(grid_cols_), ch = size.y / float(grid_rows_);
  for (int i = 0; i < grid_cols_ * grid_rows_ && i < int(d.size()); ++i) {
    const int label = d.labels[std::size_t(i)];
    const ImVec2 at(origin.x + float(i % grid_cols_) * cw + 2,
                    origin.y + float(i / grid_cols_) * ch + 1);
    dl->AddText(at, class_color(label), class_label(d, label).c_str());
  }
}

void DataPanel::draw_points(const Dataset& d, const Report& report) {
  const bool regions = two_d_ && regions_ && shown_ && shown_->grid && regions_tex_.id();
  if (regions)
    ImGui::Text("%lld training points; regions of step %lld", (long long)d.size(),
                (long long)shown_step_);
  else if (d.sample_size() > 2)
    ImGui::TextWrapped(
        "%s: %lld training points of %lld features; the first ones a row each, a cell a feature "
        "(dark low, bright high), their class at the left",
        d.name.c_str(), (long long)d.size(), (long long)d.sample_size());
  else
    ImGui::Text("%s: %lld training points, %d classes", d.name.c_str(), (long long)d.size(),
                d.num_classes);
  const ImVec2 p0 = ImGui::GetCursorScreenPos();
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  const float side = std::max(16.f, std::min(avail.x, avail.y) - 4);
  ImGui::InvisibleButton("scatter", ImVec2(side, side));
  report("data-points");
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const ImVec2 p1(p0.x + side, p0.y + side);
  dl->AddRectFilled(p0, p1, kBackground);
  if (regions) dl->AddImage(texture_id(regions_tex_), p0, p1);
  const Index dim = d.sample_size();
  if (dim < 2) return;
  const float span = hi_ - lo_;
  if (dim > 2) return draw_vectors(d, p0.x, p0.y, side);
  for (Index i = 0; i < d.size(); ++i) {
    const float fx = d.features[std::size_t(i * dim)], fy = d.features[std::size_t(i * dim + 1)];
    const ImVec2 pt(p0.x + (fx - lo_) / span * side, p0.y + side - (fy - lo_) / span * side);
    if (regions) dl->AddCircleFilled(pt, 3.2f, kBackground, 6);  // a dark rim over the regions
    dl->AddCircleFilled(pt, 2.5f, class_color(d.labels[std::size_t(i)]), 6);
  }
  if (regions && ImGui::IsItemHovered()) {
    const ImVec2 m = ImGui::GetIO().MousePos;
    const DecisionGrid& g = *shown_->grid;
    const int c = std::clamp(int((m.x - p0.x) / side * float(g.n)), 0, g.n - 1);
    const int r = std::clamp(int((m.y - p0.y) / side * float(g.n)), 0, g.n - 1);
    const std::size_t cell = std::size_t(r * g.n + c);
    ImGui::SetTooltip("x %.2f, y %.2f: class %s, p = %.2f", lo_ + (m.x - p0.x) / side * span,
                      hi_ - (m.y - p0.y) / side * span, class_label(d, g.cls[cell]).c_str(),
                      double(g.confidence[cell]));
  }
}

void DataPanel::draw_vectors(const Dataset& d, float x0, float y0, float side) {
  const ImVec2 p0(x0, y0);
  // More than two features do not fit a plane: each point as a row of cells, as many rows as
  // fit, so patterns (xord's equal pairs, a blob's signature) can be read off.
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const Index dim = d.sample_size();
  const float label_w = 10.f, gap = 1.f;
  const float cell_w = std::max(2.f, (side - label_w - 4) / float(dim));
  const float row_h = std::clamp(cell_w * 0.5f, 4.f, 14.f);
  const Index rows = std::min<Index>(d.size(), Index((side - 2) / row_h));
  const float span = hi_ - lo_;
  for (Index i = 0; i < rows; ++i) {
    const float y = p0.y + 1 + float(i) * row_h;
    dl->AddRectFilled(ImVec2(p0.x + 1, y), ImVec2(p0.x + label_w - 2, y + row_h - gap),
                      class_color(d.labels[std::size_t(i)]));
    for (Index k = 0; k < dim; ++k) {
      const float v = std::clamp((d.features[std::size_t(i * dim + k)] - lo_) / span, 0.f, 1.f);
      const int g = int(40 + 200 * v);
      const float x = p0.x + label_w + float(k) * cell_w;
      dl->AddRectFilled(ImVec2(x, y), ImVec2(x + cell_w - gap, y + row_h - gap),
                        IM_COL32(g, g, std::min(255, g + 20), 255));
    }
  }
  if (ImGui::IsItemHovered()) {
    const ImVec2 m = ImGui::GetIO().MousePos;
    const Index i = Index((m.y - p0.y - 1) / row_h);
    if (i >= 0 && i < rows) {
      std::string values;
      for (Index k = 0; k < dim && k < 32; ++k) {
        char b[16];
        std::snprintf(b, sizeof b, "%s%.3g", k ? " " : "",
                      double(d.features[std::size_t(i * dim + k)]));
        values += b;
      }
      ImGui::SetTooltip("point %lld, class %s\n%s", (long long)i,
                        class_label(d, d.labels[std::size_t(i)]).c_str(), values.c_str());
    }
  }
}

void DataPanel::draw_confusion(const Dataset& test, const Report& report) {
  if (!shown_) {
    ImGui::TextDisabled("predicting the test set...");
    return;
  }
  const Predictions& p = shown_->test;
  const int k = p.classes;
  ImGui::TextWrapped(
      "test set, step %lld: accuracy %.2f%%, loss %.4f; true class down, predicted across",
      (long long)shown_step_, 100 * p.accuracy, p.mean_loss);
  if (k > 30) {
    ImGui::TextDisabled("%d classes: too many to draw", k);
    return;
  }
  const float label_w = 22.f, label_h = ImGui::GetTextLineHeight() + 4;
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  const float cell = std::max(
      6.f, std::min((avail.x - label_w - 4) / float(k), (avail.y - label_h - 4) / float(k)));
  const ImVec2 origin = ImGui::GetCursorScreenPos();
  const ImVec2 p0(origin.x + label_w, origin.y + label_h);
  ImGui::InvisibleButton("confusion", ImVec2(label_w + cell * float(k), label_h + cell * float(k)));
  report("confusion-matrix");
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const ImU32 text = IM_COL32(230, 230, 235, 255), dim_text = IM_COL32(150, 155, 165, 255);
  std::vector<int64_t> row_total(std::size_t(k), 0);
  for (int t = 0; t < k; ++t)
    for (int g = 0; g < k; ++g) row_total[std::size_t(t)] += p.confusion[std::size_t(t * k + g)];
  int hover_t = -1, hover_g = -1;
  const ImVec2 mouse = ImGui::GetIO().MousePos;
  for (int t = 0; t < k; ++t) {
    char name[8];
    std::snprintf(name, sizeof name, "%d", t);
    dl->AddText(
        ImVec2(origin.x + 4, p0.y + float(t) * cell + (cell - ImGui::GetTextLineHeight()) / 2),
        dim_text, name);
    for (int g = 0; g < k; ++g) {
      const int64_t count = p.confusion[std::size_t(t * k + g)];
      const float share =
          row_total[std::size_t(t)] > 0 ? float(count) / float(row_total[std::size_t(t)]) : 0.f;
      // Right answers in teal, mistakes in red; the square root lifts small shares into view.
      const ImU32 hue = t == g ? IM_COL32(40, 170, 160, 255) : IM_COL32(230, 70, 60, 255);
      const ImVec2 a(p0.x + float(g) * cell, p0.y + float(t) * cell),
          b(a.x + cell - 1, a.y + cell - 1);
      dl->AddRectFilled(a, b,
                        count > 0 ? mix(kBackground, hue, 0.15f + 0.85f * std::sqrt(share))
                                  : IM_COL32(35, 38, 45, 255));
      if (cell >= 22 && count > 0) {
        char num[24];
        std::snprintf(num, sizeof num, "%lld", (long long)count);
        const ImVec2 sz = ImGui::CalcTextSize(num);
        if (sz.x < cell - 2)
          dl->AddText(ImVec2(a.x + (cell - sz.x) / 2, a.y + (cell - sz.y) / 2), text, num);
      }
      if (mouse.x >= a.x && mouse.x < a.x + cell && mouse.y >= a.y && mouse.y < a.y + cell) {
        hover_t = t;
        hover_g = g;
      }
    }
  }
  for (int g = 0; g < k; ++g) {
    char name[8];
    std::snprintf(name, sizeof name, "%d", g);
    const float tw = ImGui::CalcTextSize(name).x;
    dl->AddText(ImVec2(p0.x + float(g) * cell + (cell - tw) / 2, origin.y), dim_text, name);
  }
  if (hover_t >= 0 && ImGui::IsItemHovered()) {
    const int64_t count = p.confusion[std::size_t(hover_t * k + hover_g)];
    const double share = row_total[std::size_t(hover_t)] > 0
                             ? double(count) / double(row_total[std::size_t(hover_t)])
                             : 0.0;
    ImGui::SetTooltip("true %s, predicted %s: %lld (%.1f%% of the true %s)",
                      class_label(test, hover_t).c_str(), class_label(test, hover_g).c_str(),
                      (long long)count, 100 * share, class_label(test, hover_t).c_str());
  }
}

void DataPanel::draw_mistakes(const Dataset& test, const Report& report) {
  if (!shown_ || !mistakes_tex_.id()) {
    ImGui::TextDisabled("predicting the test set...");
    return;
  }
  const Predictions& p = shown_->test;
  ImGui::TextWrapped(
      "test set on step %lld: the %zu misclassified images with the highest loss; "
      "true class in green, predicted in red",
      (long long)shown_step_, p.worst.size());
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  const float scale = std::max(0.5f, std::min(avail.x / float(mistakes_tex_.width()),
                                              (avail.y - 4) / float(mistakes_tex_.height())));
  const ImVec2 origin = ImGui::GetCursorScreenPos();
  const ImVec2 size(float(mistakes_tex_.width()) * scale, float(mistakes_tex_.height()) * scale);
  ImGui::Image(texture_id(mistakes_tex_), size);
  report("mistakes");
  const bool hovered = ImGui::IsItemHovered();
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const float cw = size.x / float(mistake_cols_), ch = size.y / float(mistake_rows_);
  const ImVec2 mouse = ImGui::GetIO().MousePos;
  for (std::size_t i = 0; i < p.worst.size() && i < std::size_t(mistake_cols_ * mistake_rows_);
       ++i) {
    const uint32_t s = p.worst[i];
    const ImVec2 at(origin.x + float(i % std::size_t(mistake_cols_)) * cw + 2,
                    origin.y + float(i / std::size_t(mistake_cols_)) * ch + 1);
    const std::string truth = std::to_string(test.labels[s]),
                      guess = std::to_string(p.predicted[s]);
    dl->AddText(at, IM_COL32(90, 210, 110, 255), truth.c_str());
    dl->AddText(ImVec2(at.x, at.y + ch - ImGui::GetTextLineHeight() - 2),
                IM_COL32(255, 95, 85, 255), guess.c_str());
    if (hovered && mouse.x >= at.x - 2 && mouse.x < at.x - 2 + cw && mouse.y >= at.y - 1 &&
        mouse.y < at.y - 1 + ch)
      ImGui::SetTooltip("test image %u: true %s, predicted %s, loss %.3f", s,
                        class_label(test, test.labels[s]).c_str(),
                        class_label(test, p.predicted[s]).c_str(), double(p.loss[s]));
  }
}

}  // namespace ts
