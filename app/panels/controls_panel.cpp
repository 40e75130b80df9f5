#include "app/panels/controls_panel.h"

#include "core/text_format.h"

#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>

namespace ts {

namespace {
bool has_dropout(const ExperimentConfig& c) {
  return std::any_of(c.model.layers.begin(), c.model.layers.end(),
                     [](const LayerSpec& l) { return l.kind == LayerKind::dropout; });
}
double dropout_rate(const ExperimentConfig& c) {
  for (const auto& l : c.model.layers)
    if (l.kind == LayerKind::dropout) return l.rate;
  return 0.0;
}
}  // namespace

ControlsPanel::NewRun ControlsPanel::draw(const Trainer& trainer, const TrainerStatus& st,
                                          const std::string& live_changes, bool space_tapped,
                                          const Send& send, const Report& report) {
  NewRun new_run = NewRun::none;
  const TrainerState state = trainer.state();
  const ImVec2 button(96, 0);
  if (state == TrainerState::idle || state == TrainerState::stopped) {
    ImGui::BeginDisabled(state == TrainerState::stopped);
    if (ImGui::Button("Start", button)) send(cmd::Start{}, "start");
    report("start");
    ImGui::EndDisabled();
  } else if (state == TrainerState::paused) {
    if (ImGui::Button("Resume", button)) send(cmd::Resume{}, "resume");
    report("resume");
  } else {
    if (ImGui::Button("Pause", button)) send(cmd::Pause{}, "pause");
    report("pause");
  }
  // Space pauses and resumes, unless a text field has the keyboard.
  if (space_tapped && !ImGui::GetIO().WantTextInput) {
    if (state == TrainerState::running)
      send(cmd::Pause{}, "pause (space)");
    else if (state != TrainerState::stopped)
      send(cmd::Resume{}, "resume (space)");
  }
  ImGui::SameLine();
  ImGui::BeginDisabled(state == TrainerState::stopped);
  if (ImGui::Button("Step 1", ImVec2(60, 0))) {
    send(cmd::Step{1}, "step 1");
  }
  report("step1");
  ImGui::SameLine();
  char label[32];
  std::snprintf(label, sizeof label, "Step %d", step_count_);
  if (ImGui::Button(label, ImVec2(70, 0))) {
    send(cmd::Step{step_count_}, "step " + std::to_string(step_count_));
  }
  report("stepn");
  ImGui::EndDisabled();
  ImGui::SameLine();
  ImGui::SetNextItemWidth(-1);
  ImGui::DragInt("##stepn", &step_count_, 1.0f, 2, 100000);
  // Speed: slow motion to watch a boundary form, up to full speed (the slider's right end).
  {
    constexpr float kFull = 3000.f;
    if (active_ != "speed") speed_ = st.steps_per_s_limit > 0 ? float(st.steps_per_s_limit) : kFull;
    ImGui::SetNextItemWidth(ImGui::GetContentRegionAvail().x - 150);
    ImGui::SliderFloat("##speed", &speed_, 1.f, kFull,
                       speed_ >= kFull ? "full speed" : "%.3g steps/s",
                       ImGuiSliderFlags_Logarithmic | ImGuiSliderFlags_AlwaysClamp);
    if (ImGui::IsItemActivated()) active_ = "speed";
    if (ImGui::IsItemDeactivated()) {
      if (ImGui::IsItemDeactivatedAfterEdit()) {
        const double v = speed_ >= kFull ? 0.0 : double(speed_);
        send(cmd::Set{Setting::steps_per_s, v}, "set steps_per_s " + format_number(v));
      }
      active_.clear();
    }
    if (ImGui::IsItemHovered())
      ImGui::SetTooltip("How fast training runs: from one step a second to full speed.");
    report("speed");
    // Step until the next evaluation: the accuracy point that comes next.
    const int64_t every = st.config.training.eval_interval > 0 ? st.config.training.eval_interval
                                                               : st.steps_per_epoch;
    ImGui::SameLine();
    ImGui::BeginDisabled(state == TrainerState::stopped || every <= 0);
    if (ImGui::Button("To next evaluation", ImVec2(-1, 0)) && every > 0) {
      const int64_t count = every - st.step % every;
      send(cmd::Step{count}, "step " + std::to_string(count) + " (to the next evaluation)");
    }
    report("to-next-eval");
    ImGui::EndDisabled();
  }
  // A new run directory for the experiment shown; live changes are kept only when asked.
  if (ImGui::Button("New run", button)) {
    if (live_changes.empty())
      new_run = NewRun::shown;
    else
      ImGui::OpenPopup("new-run");
  }
  report("reset");
  if (ImGui::BeginPopup("new-run")) {
    ImGui::TextUnformatted("This run was changed live:");
    ImGui::TextDisabled("%s", live_changes.c_str());
    ImGui::TextUnformatted("Start the new run from");
    if (ImGui::Button("the experiment shown")) {
      new_run = NewRun::shown;
      ImGui::CloseCurrentPopup();
    }
    report("new-run-shown");
    ImGui::SameLine();
    if (ImGui::Button("it with the live changes")) {
      new_run = NewRun::with_live_changes;
      ImGui::CloseCurrentPopup();
    }
    report("new-run-live");
    ImGui::SameLine();
    if (ImGui::Button("Cancel")) ImGui::CloseCurrentPopup();
    ImGui::EndPopup();
  }
  ImGui::SameLine();
  ImGui::TextDisabled("%s", to_string(state));

  ImGui::Separator();
  draw_settings(st, send, report);
  ImGui::Separator();
  draw_pruning(trainer, send, report);
  ImGui::Separator();
  draw_history(trainer, st, send, report);
  draw_averaging(st);
  return new_run;
}

void ControlsPanel::draw_averaging(const TrainerStatus& st) {
  const AveragingConfig& a = st.config.averaging;
  std::string kinds;
  auto add = [&](const std::string& k) { kinds += (kinds.empty() ? "" : ", ") + k; };
  if (a.polyak) add("Polyak from step " + std::to_string(a.polyak_start));
  if (a.ema_decay > 0) add("EMA " + format_number(a.ema_decay));
  if (a.snapshot_ensemble) add("snapshot ensemble");
  if (kinds.empty()) return;
  ImGui::Separator();
  ImGui::TextWrapped("Averaging: %s, evaluated at the end of the run.", kinds.c_str());
  // An average taken before a prune still holds the pruned weights; the trainer evaluates it
  // with the masks of now.
  if (st.sparsity > 0)
    ImGui::TextWrapped(
        "They evaluate the network as pruned now (%.1f%% of the weights removed): "
        "the current masks apply to them.",
        100.0 * st.sparsity);
}

void ControlsPanel::draw_settings(const TrainerStatus& st, const Send& send, const Report& report) {
  const ExperimentConfig& c = st.config;
  const OptimizerSettings& o = c.optimizer;
  double next_lr = 0.0;
  planned_learning_rates(st, std::span<double>(&next_lr, 1));
  // A slider sends its value when released; until then it shows what the trainer uses.
  auto live = [&](Setting id, float& field, float value, auto&& draw_slider) {
    const char* name = spec_of(id).name;
    if (active_ != name) field = value;
    draw_slider();
    if (ImGui::IsItemActivated()) active_ = name;
    if (ImGui::IsItemDeactivated()) {
      if (active_ == name && ImGui::IsItemDeactivatedAfterEdit())
        send(cmd::Set{id, double(field)}, std::string("set ") + name + " " + format_number(field));
      active_.clear();
    }
    report(name);
  };
  ImGui::TextUnformatted("Live settings (applied between two steps)");
  const float w = ImGui::GetContentRegionAvail().x - 110;
  ImGui::SetNextItemWidth(w);
  live(Setting::lr, lr_, float(next_lr), [&] {
    ImGui::SliderFloat("learning rate", &lr_, 1e-5f, 1.0f, "%.5g", ImGuiSliderFlags_Logarithmic);
  });
  // The optimizer's own sliders: those of the settings it has (core/command/settings.h).
  if (optimizer_has(spec_of(Setting::momentum), o.kind)) {
    const float m = float(o.kind == OptimizerKind::rmsprop ? o.rmsprop_momentum : o.momentum);
    ImGui::SetNextItemWidth(w);
    live(Setting::momentum, momentum_, m,
         [&] { ImGui::SliderFloat("momentum", &momentum_, 0.0f, 0.999f, "%.3f"); });
  } else if (optimizer_has(spec_of(Setting::beta1), o.kind)) {
    ImGui::SetNextItemWidth(w);
    live(Setting::beta1, momentum_, float(o.beta1),
         [&] { ImGui::SliderFloat("beta1", &momentum_, 0.0f, 0.999f, "%.3f"); });
  }
  ImGui::SetNextItemWidth(w);
  live(Setting::weight_decay, weight_decay_, float(o.weight_decay), [&] {
    ImGui::SliderFloat("weight decay", &weight_decay_, 0.0f, 0.1f, "%.2g",
                       ImGuiSliderFlags_Logarithmic);
  });
  if (has_dropout(c)) {
    ImGui::SetNextItemWidth(w);
    live(Setting::dropout, dropout_, float(dropout_rate(c)),
         [&] { ImGui::SliderFloat("dropout", &dropout_, 0.0f, 0.95f, "%.2f"); });
  }
  // Batch size: an integer slider.
  if (active_ != "batch_size") batch_ = int(c.training.batch_size);
  ImGui::SetNextItemWidth(w);
  ImGui::SliderInt("batch size", &batch_, 1, 1024, "%d", ImGuiSliderFlags_Logarithmic);
  if (ImGui::IsItemActivated()) active_ = "batch_size";
  if (ImGui::IsItemDeactivated()) {
    if (ImGui::IsItemDeactivatedAfterEdit())
      send(cmd::Set{Setting::batch_size, double(batch_)},
           "set batch_size " + std::to_string(batch_));
    active_.clear();
  }
  report("batch_size");
  // The optimizer: another kind starts from zero state (the event says so).
  ImGui::SetNextItemWidth(w);
  if (ImGui::BeginCombo("optimizer", to_string(o.kind))) {
    for (OptimizerKind k : all_optimizer_kinds())
      if (ImGui::Selectable(to_string(k), k == o.kind) && k != o.kind) {
        // The new kind's own defaults (eps...), keeping the weight decay.
        send(cmd::SetOptimizer{switched_optimizer(o, k)}, std::string("optimizer ") + to_string(k));
        proposed_for_ = k;
      }
    ImGui::EndCombo();
  }
  report("optimizer");
  // Once the switch applied: propose the new kind's usual rate, without forcing it.
  if (proposed_for_ && *proposed_for_ == o.kind) {
    const double usual = default_learning_rate(o.kind);
    if (std::abs(next_lr - usual) <= 1e-12 * usual) {
      proposed_for_.reset();
    } else {
      ImGui::TextDisabled("%s usually trains at lr %s", to_string(o.kind),
                          format_number(usual).c_str());
      ImGui::SameLine();
      if (ImGui::SmallButton("Use it")) {
        send(cmd::Set{Setting::lr, usual}, "set lr " + format_number(usual));
        proposed_for_.reset();
      }
      report("use-usual-lr");
      ImGui::SameLine();
      if (ImGui::SmallButton("Keep")) proposed_for_.reset();
    }
  }
}

void ControlsPanel::draw_pruning(const Trainer& trainer, const Send& send, const Report& report) {
  const auto& layers = trainer.layers();
  const auto& frozen = trainer.status()->config.training.frozen;
  ImGui::TextUnformatted("Layers: train / freeze, prune");
  for (const auto& l : layers) {
    bool trains = std::find(frozen.begin(), frozen.end(), l.name) == frozen.end();
    if (ImGui::Checkbox(("##train" + l.name).c_str(), &trains)) {
      if (trains)
        send(cmd::Unfreeze{l.name}, "unfreeze " + l.name);
      else
        send(cmd::Freeze{l.name}, "freeze " + l.name);
    }
    ImGui::SameLine();
    ImGui::Text("%s%s", l.name.c_str(), trains ? "" : " (frozen)");
    ImGui::SameLine();
  }
  ImGui::NewLine();
  const float w = (ImGui::GetContentRegionAvail().x - 8) / 2;
  ImGui::SetNextItemWidth(w);
  const std::string current = prune_layer_ == 0 || prune_layer_ > int(layers.size())
                                  ? std::string("every layer")
                                  : layers[std::size_t(prune_layer_ - 1)].name;
  if (ImGui::BeginCombo("##prunelayer", current.c_str())) {
    if (ImGui::Selectable("every layer", prune_layer_ == 0)) prune_layer_ = 0;
    for (std::size_t i = 0; i < layers.size(); ++i) {
      if (ImGui::Selectable(layers[i].name.c_str(), prune_layer_ == int(i) + 1))
        prune_layer_ = int(i) + 1;
      report(("prune-layer-" + layers[i].name).c_str());
    }
    ImGui::EndCombo();
  }
  report("prune-layer");
  ImGui::SameLine();
  ImGui::SetNextItemWidth(w);
  const char* criteria[] = {"magnitude", "unit L2 norm"};
  ImGui::Combo("##criterion", &prune_criterion_, criteria, 2);
  ImGui::SetNextItemWidth(w);
  ImGui::SliderFloat("##amount", &prune_percent_, 0.0f, 100.0f, "remove %.0f%%");
  ImGui::SameLine();
  ImGui::Checkbox("global", &prune_global_);
  ImGui::SameLine();
  if (ImGui::Button("Prune")) {
    cmd::Prune c;
    c.request.criterion =
        prune_criterion_ == 0 ? PruneCriterion::magnitude : PruneCriterion::unit_l2;
    c.request.amount = prune_percent_ / 100.0;
    c.request.global = prune_global_;
    if (prune_layer_ > 0 && prune_layer_ <= int(layers.size()))
      c.request.layers = {layers[std::size_t(prune_layer_ - 1)].name};
    send(c, describe(c));
  }
  const AveragingConfig& a = trainer.status()->config.averaging;
  if (ImGui::IsItemHovered() && (a.polyak || a.ema_decay > 0 || a.snapshot_ensemble))
    ImGui::SetTooltip(
        "The run keeps weight averages: after a prune they evaluate the pruned\n"
        "network, with the current masks applied to them.");
  report("prune");
}

void ControlsPanel::draw_history(const Trainer& trainer, const TrainerStatus& st, const Send& send,
                                 const Report& report) {
  ImGui::TextUnformatted("History");
  if (ImGui::Button("Snapshot")) {
    send(cmd::Snapshot{"snapshot " + std::to_string(++snapshots_taken_) + " (step " +
                       std::to_string(st.step) + ")"},
         "snapshot");
  }
  report("snapshot");
  ImGui::SameLine();
  // Rewind targets: the initialization, each snapshot, each kept keyframe.
  std::vector<std::string> names{"initialization"};
  for (const auto& s : st.snapshots) names.push_back(s.label);
  for (const auto& k : st.keyframes) names.push_back("step " + std::to_string(k.step));
  rewind_choice_ = std::clamp(rewind_choice_, 0, int(names.size()) - 1);
  ImGui::SetNextItemWidth(ImGui::GetContentRegionAvail().x - 70);
  if (ImGui::BeginCombo("##rewind", names[std::size_t(rewind_choice_)].c_str())) {
    for (int i = 0; i < int(names.size()); ++i)
      if (ImGui::Selectable(names[std::size_t(i)].c_str(), i == rewind_choice_)) rewind_choice_ = i;
    ImGui::EndCombo();
  }
  ImGui::SameLine();
  if (ImGui::Button("Rewind")) {
    cmd::Rewind c;
    const int snaps = int(st.snapshots.size());
    if (rewind_choice_ == 0) {
      c.target = RewindTarget::initialization;
    } else if (rewind_choice_ <= snaps) {
      c.target = RewindTarget::snapshot;
      c.label = st.snapshots[std::size_t(rewind_choice_ - 1)].label;
    } else {
      c.target = RewindTarget::step;
      c.step = st.keyframes[std::size_t(rewind_choice_ - 1 - snaps)].step;
    }
    send(c, describe(c));
  }
  report("rewind");
  if (ImGui::Button("Save checkpoint")) {
    // Into the run directory's checkpoints/ (the trainer names it for the step it saves at:
    // training may move on before the command applies), or runs/ when nothing is recorded.
    cmd::Save c;
    std::error_code ec;
    if (trainer.run_dir().empty()) {
      std::filesystem::create_directories("runs", ec);
      c.path = "runs/" + st.config.name + "-step-" + std::to_string(st.step) + ".safetensors";
      std::replace(c.path.begin(), c.path.end(), ' ', '-');
    }
    send(c, c.path.empty() ? "save into the run directory" : describe(c));
  }
  report("save");
}

}  // namespace ts
