#include "app/panels/runs_panel.h"

#include "app/plot/plot_frame.h"
#include "core/experiment/config_changes.h"
#include "core/optim/optimizer.h"
#include "core/text_format.h"

#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace ts {

namespace {

ImVec4 color_of(const std::string& hex) {
  return ImGui::ColorConvertU32ToFloat4(plot::parse_color(hex, 255));
}

std::string number_or_dash(double v, int digits) {
  if (!std::isfinite(v)) return "--";
  // A diverged loss (1e36) in a few characters, not forty digits.
  return std::abs(v) < 1e6 ? format_fixed(v, digits) : format_number(v);
}

// The changes the fork form describes, made to the parent's live config.
ExperimentConfig forked_config(const ExperimentConfig& from, bool change_lr, double lr,
                               OptimizerKind kind, int batch, double weight_decay) {
  ExperimentConfig to = from;
  if (change_lr) {
    to.schedule = Schedule{};  // constant from the fork
    to.schedule.base_lr = lr;
  }
  if (kind != from.optimizer.kind) to.optimizer = switched_optimizer(from.optimizer, kind);
  to.optimizer.weight_decay = weight_decay;
  to.training.batch_size = batch;
  return to;
}

}  // namespace

void RunsPanel::open_fork_form(const TrainerStatus& st) {
  from_ = 0;
  change_lr_ = false;
  lr_ = learning_rate(st.config.schedule, std::max<int64_t>(0, st.step - st.schedule_start));
  const auto kinds = all_optimizer_kinds();
  optimizer_ = int(std::find(kinds.begin(), kinds.end(), st.config.optimizer.kind) - kinds.begin());
  batch_ = int(st.config.training.batch_size);
  weight_decay_ = st.config.optimizer.weight_decay;
}

std::optional<RunsPanel::Action> RunsPanel::draw_fork_form(const Row& row, std::size_t index,
                                                           const Report& report) {
  if (!ImGui::BeginPopup("fork")) return std::nullopt;
  std::optional<Action> out;
  const TrainerStatus& st = *row.status;
  ImGui::Text("Fork %s: a new run from its exact state, beside it", row.label->c_str());
  ImGui::Separator();
  std::vector<std::string> froms = {"now (step " + std::to_string(st.step) + ")",
                                    "the initialization (step 0)"};
  for (const KeptState& k : st.snapshots)
    froms.push_back("snapshot \"" + k.label + "\" (step " + std::to_string(k.step) + ")");
  from_ = std::clamp(from_, 0, int(froms.size()) - 1);
  ImGui::SetNextItemWidth(260);
  if (ImGui::BeginCombo("from", froms[std::size_t(from_)].c_str())) {
    for (int i = 0; i < int(froms.size()); ++i)
      if (ImGui::Selectable(froms[std::size_t(i)].c_str(), i == from_)) from_ = i;
    ImGui::EndCombo();
  }
  report("fork-from");
  ImGui::Checkbox("another learning rate", &change_lr_);
  report("fork-change-lr");
  ImGui::SameLine();
  ImGui::SetNextItemWidth(110);
  ImGui::BeginDisabled(!change_lr_);
  ImGui::InputDouble("##fork-lr", &lr_, 0, 0, "%.6g");
  ImGui::EndDisabled();
  report("fork-lr");
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("Constant from the fork on.");
  const auto kinds = all_optimizer_kinds();
  optimizer_ = std::clamp(optimizer_, 0, int(kinds.size()) - 1);
  ImGui::SetNextItemWidth(160);
  if (ImGui::BeginCombo("optimizer", to_string(kinds[std::size_t(optimizer_)]))) {
    for (int i = 0; i < int(kinds.size()); ++i)
      if (ImGui::Selectable(to_string(kinds[std::size_t(i)]), i == optimizer_)) optimizer_ = i;
    ImGui::EndCombo();
  }
  report("fork-optimizer");
  ImGui::SetNextItemWidth(160);
  ImGui::InputInt("batch size", &batch_);
  report("fork-batch");
  ImGui::SetNextItemWidth(160);
  ImGui::InputDouble("weight decay", &weight_decay_, 0, 0, "%.6g");
  report("fork-weight-decay");
  std::string problem;
  if (change_lr_ && !(lr_ > 0 && std::isfinite(lr_))) problem = "The learning rate must be > 0.";
  if (batch_ < 1) problem = "The batch size must be at least 1.";
  if (!(weight_decay_ >= 0 && std::isfinite(weight_decay_)))
    problem = "The weight decay must be >= 0.";
  ExperimentConfig to;
  if (problem.empty()) {
    to = forked_config(st.config, change_lr_, lr_, kinds[std::size_t(optimizer_)], batch_,
                       weight_decay_);
    const std::string d = config_difference(st.config, to);
    ImGui::TextWrapped("Changes: %s",
                       d.empty() ? "none (it trains on exactly as its parent would)" : d.c_str());
  } else {
    ImGui::TextColored(ImVec4(1.f, 0.47f, 0.4f, 1), "%s", problem.c_str());
  }
  ImGui::BeginDisabled(!problem.empty());
  if (ImGui::Button("Fork")) {
    Action a;
    a.kind = Action::Kind::fork;
    a.run = index;
    a.from.kind = from_ == 0   ? CaptureOf::Kind::now
                  : from_ == 1 ? CaptureOf::Kind::initialization
                               : CaptureOf::Kind::snapshot;
    if (from_ >= 2) a.from.label = st.snapshots[std::size_t(from_ - 2)].label;
    a.to = std::move(to);
    out = std::move(a);
    ImGui::CloseCurrentPopup();
  }
  ImGui::EndDisabled();
  report("fork-go");
  ImGui::SameLine();
  if (ImGui::Button("Cancel")) ImGui::CloseCurrentPopup();
  ImGui::EndPopup();
  return out;
}

RunsPanel::Action RunsPanel::draw(const std::vector<Row>& rows, std::size_t selected,
                                  const std::vector<std::string>& keys, const Report& report) {
  Action act;
  const bool have = selected < rows.size();
  const bool live = have && rows[selected].status;
  ImGui::BeginDisabled(!live);
  if (ImGui::Button("Fork...")) {
    open_fork_form(*rows[selected].status);
    ImGui::OpenPopup("fork");
  }
  ImGui::EndDisabled();
  report("run-fork");
  if (ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled))
    ImGui::SetTooltip(
        live ? "A new run from the selected run's exact state (now, its initialization "
               "or a snapshot),\nwith the changes you choose; both train on."
             : "Select a live run to fork it.");
  if (live)
    if (auto a = draw_fork_form(rows[selected], selected, report)) act = std::move(*a);
  ImGui::SameLine();
  ImGui::BeginDisabled(!have);
  if (ImGui::Button("Remove")) {
    act.kind = Action::Kind::remove;
    act.run = selected;
  }
  ImGui::EndDisabled();
  report("run-remove");
  if (ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled))
    ImGui::SetTooltip(
        "Stop the selected run and take it out of the window (its run directory "
        "stays on disk).");
  if (!keys.empty() && std::find(keys.begin(), keys.end(), colour_by_) == keys.end())
    colour_by_.clear();
  ImGui::SameLine(0, 24);
  ImGui::SetNextItemWidth(190);
  ImGui::BeginDisabled(keys.empty());
  if (ImGui::BeginCombo("##colour-by", colour_by_.empty() ? "colour: each run"
                                                          : ("colour: " + colour_by_).c_str())) {
    if (ImGui::Selectable("each run its own", colour_by_.empty())) colour_by_.clear();
    for (const std::string& k : keys) {
      if (ImGui::Selectable(k.c_str(), k == colour_by_)) colour_by_ = k;
      report(("colour-by-" + k).c_str());
    }
    ImGui::EndCombo();
  }
  ImGui::EndDisabled();
  report("run-colour-by");
  if (ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled))
    ImGui::SetTooltip(
        "Colour the runs by a setting that differs between them: numbers on a\n"
        "colour scale (log when they span decades), others one colour a value.");
  ImGui::SameLine();
  ImGui::SetNextItemWidth(std::max(120.f, ImGui::GetContentRegionAvail().x - 70));
  const bool entered =
      ImGui::InputTextWithHint("##open-path", "a run directory to follow, read-only", open_path_,
                               sizeof open_path_, ImGuiInputTextFlags_EnterReturnsTrue);
  report("run-open-path");
  ImGui::SameLine();
  if ((ImGui::Button("Open") || entered) && open_path_[0] != '\0') {
    act.kind = Action::Kind::open;
    act.path = open_path_;
  }
  report("run-open");
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip(
        "Draw a run directory written by trainscope (the command line, a study,\n"
        "another window) beside the others; rows it gains show as they come.\n"
        "You can also drop directories on the window.");

  if (rows.size() < 2) return act;  // one run: its numbers are in Controls and the status bar
  const ImGuiTableFlags flags = ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerV |
                                ImGuiTableFlags_ScrollY | ImGuiTableFlags_SizingFixedFit;
  if (ImGui::BeginTable("runs", 8, flags, ImGui::GetContentRegionAvail())) {
    ImGui::TableSetupScrollFreeze(0, 1);
    ImGui::TableSetupColumn("show");
    ImGui::TableSetupColumn("run", ImGuiTableColumnFlags_WidthFixed, 130);
    ImGui::TableSetupColumn("state");
    ImGui::TableSetupColumn("step");
    ImGui::TableSetupColumn("samples/s");
    ImGui::TableSetupColumn("best val");
    ImGui::TableSetupColumn("loss");
    ImGui::TableSetupColumn("differs", ImGuiTableColumnFlags_WidthStretch);
    ImGui::TableHeadersRow();
    for (std::size_t i = 0; i < rows.size(); ++i) {
      const Row& r = rows[i];
      ImGui::PushID(int(i));
      ImGui::TableNextRow();
      ImGui::TableNextColumn();
      if (ImGui::Checkbox("##show", r.visible)) {
        act.kind = Action::Kind::shown;
        act.run = i;
      }
      if (ImGui::IsItemHovered()) ImGui::SetTooltip("Show or hide it on the charts.");
      report(("run-show-" + std::to_string(i + 1)).c_str());
      ImGui::TableNextColumn();
      ImGui::ColorButton("##colour", color_of(r.color),
                         ImGuiColorEditFlags_NoTooltip | ImGuiColorEditFlags_NoDragDrop,
                         ImVec2(12, 12));
      ImGui::SameLine();
      if (renaming_row_ == int(i)) {
        char buf[128];
        std::snprintf(buf, sizeof buf, "%s", renaming_.c_str());
        ImGui::SetNextItemWidth(-1);
        if (focus_rename_) ImGui::SetKeyboardFocusHere();  // typing goes to it at once
        focus_rename_ = false;
        const bool done =
            ImGui::InputText("##rename", buf, sizeof buf, ImGuiInputTextFlags_EnterReturnsTrue);
        renaming_ = buf;
        if (done) {
          if (!renaming_.empty()) *r.label = renaming_;
          renaming_row_ = -1;
        } else if (ImGui::IsItemDeactivated()) {
          renaming_row_ = -1;
        }
      } else {
        if (ImGui::Selectable(r.label->c_str(), i == selected) && i != selected) {
          act.kind = Action::Kind::select;
          act.run = i;
        }
        if (ImGui::IsItemHovered() && ImGui::IsMouseDoubleClicked(ImGuiMouseButton_Left)) {
          renaming_row_ = int(i);
          renaming_ = *r.label;
          focus_rename_ = true;
        }
        if (ImGui::IsItemHovered())
          ImGui::SetTooltip("Click: the panels act on this run. Double-click: rename it.");
      }
      report(("run-select-" + std::to_string(i + 1)).c_str());
      ImGui::TableNextColumn();
      const bool bad = r.state == "diverged";
      if (bad) ImGui::PushStyleColor(ImGuiCol_Text, ImVec4(1.f, 0.47f, 0.4f, 1));
      ImGui::TextUnformatted(r.state.c_str());
      if (bad) ImGui::PopStyleColor();
      ImGui::TableNextColumn();
      ImGui::Text("%lld", (long long)r.step);
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(r.samples_per_s > 0 ? format_fixed(r.samples_per_s, 0).c_str() : "--");
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(std::isfinite(r.best_validation_accuracy)
                                 ? (format_fixed(100 * r.best_validation_accuracy, 2) + "%").c_str()
                                 : "--");
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(number_or_dash(r.last_loss, 4).c_str());
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(r.differs.empty() ? (i == 0 ? "(the first run)" : "(the same)")
                                               : r.differs.c_str());
      if (ImGui::IsItemHovered() && !r.differs.empty()) ImGui::SetTooltip("%s", r.differs.c_str());
      ImGui::PopID();
    }
    ImGui::EndTable();
  }
  return act;
}

}  // namespace ts
