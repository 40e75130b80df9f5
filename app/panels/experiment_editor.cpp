#include "app/panels/experiment_editor.h"

#include "core/error.h"

#include <imgui.h>

#include <algorithm>
#include <cstdio>

namespace ts {

namespace {

constexpr const char* kDatasets[] = {"mnist", "fashion-mnist", "spirals", "circles", "blobs", "xor", "xord",
                                     "teacher_student"};
constexpr LayerKind kAddable[] = {LayerKind::dense, LayerKind::activation, LayerKind::dropout, LayerKind::conv2d,
                                  LayerKind::max_pool, LayerKind::flatten};

bool image_set(const std::string& d) { return d == "mnist" || d == "fashion-mnist"; }

template <class E, std::size_t N>
bool enum_combo(const char* label, E& value, const E (&all)[N]) {
  bool changed = false;
  if (ImGui::BeginCombo(label, to_string(value))) {
    for (E e : all)
      if (ImGui::Selectable(to_string(e), e == value)) {
        value = e;
        changed = true;
      }
    ImGui::EndCombo();
  }
  return changed;
}

int clamp_int(Index v, int lo, int hi) { return int(std::clamp<Index>(v, lo, hi)); }

}  // namespace

void ExperimentEditor::reset(const ExperimentConfig& config) {
  draft_ = config;
  original_ = config;
  error_.clear();
}

void ExperimentEditor::draw_layers(const Report& report) {
  static constexpr ActivationKind kActs[] = {ActivationKind::identity, ActivationKind::sigmoid, ActivationKind::tanh,
                                             ActivationKind::relu, ActivationKind::leaky_relu, ActivationKind::elu,
                                             ActivationKind::selu, ActivationKind::gelu};
  auto& layers = draft_.model.layers;
  int remove = -1, up = -1;
  for (int i = 0; i < int(layers.size()); ++i) {
    LayerSpec& l = layers[std::size_t(i)];
    ImGui::PushID(i);
    ImGui::TextUnformatted(to_string(l.kind));
    ImGui::SameLine(90);
    ImGui::SetNextItemWidth(110);
    switch (l.kind) {
      case LayerKind::dense: {
        int units = clamp_int(l.units, 0, 1 << 20);
        if (ImGui::InputInt("units", &units, 0, 0)) l.units = units;
        break;
      }
      case LayerKind::conv2d: {
        int filters = clamp_int(l.filters, 0, 4096), kernel = clamp_int(l.kernel, 0, 64);
        if (ImGui::InputInt("filters", &filters, 0, 0)) l.filters = filters;
        ImGui::SameLine();
        ImGui::SetNextItemWidth(40);
        if (ImGui::InputInt("k", &kernel, 0, 0)) l.kernel = kernel;
        break;
      }
      case LayerKind::dropout: {
        float rate = float(l.rate);
        if (ImGui::SliderFloat("rate", &rate, 0.f, 0.95f, "%.2f")) l.rate = rate;
        break;
      }
      case LayerKind::activation: enum_combo("##act", l.activation, kActs); break;
      case LayerKind::max_pool: {
        int pool = clamp_int(l.pool, 0, 64);
        if (ImGui::InputInt("pool", &pool, 0, 0)) l.pool = l.pool_stride = pool;
        break;
      }
      default: ImGui::TextDisabled("-"); break;
    }
    report(("editor-layer-" + std::to_string(i)).c_str());
    ImGui::SameLine(300);
    if (ImGui::SmallButton("^") && i > 0) up = i;
    ImGui::SameLine();
    if (ImGui::SmallButton("x")) remove = i;
    report(("editor-remove-" + std::to_string(i)).c_str());
    ImGui::PopID();
  }
  if (up > 0) std::swap(layers[std::size_t(up)], layers[std::size_t(up - 1)]);
  if (remove >= 0) layers.erase(layers.begin() + remove);
  if (ImGui::BeginCombo("##add-layer", "add a layer")) {
    for (LayerKind k : kAddable)
      if (ImGui::Selectable(to_string(k))) {
        LayerSpec l;
        l.kind = k;
        if (k == LayerKind::dense) l.units = 64;
        if (k == LayerKind::conv2d) l.filters = 32, l.kernel = 3, l.padding = 1;
        if (k == LayerKind::activation) l.activation = ActivationKind::relu;
        if (k == LayerKind::dropout) l.rate = 0.25;
        // Before the output layer, where a new hidden layer usually goes.
        const auto at = layers.empty() ? layers.end() : layers.end() - 1;
        layers.insert(at, l);
      }
    ImGui::EndCombo();
  }
  report("editor-add-layer");
}

std::optional<ExperimentConfig> ExperimentEditor::draw(const Report& report, const Log& log) {
  ImGui::PushItemWidth(150);
  // Data: a dataset's own defaults for everything else it takes.
  const char* current = draft_.data.dataset.c_str();
  if (ImGui::BeginCombo("dataset", current)) {
    for (const char* d : kDatasets)
      if (ImGui::Selectable(d, draft_.data.dataset == d)) {
        draft_.data.dataset = d;
        draft_.data.raw = nlohmann::json{{"dataset", d}};
        if (image_set(d)) draft_.data.raw["validation_fraction"] = draft_.data.validation_fraction;
      }
    ImGui::EndCombo();
  }
  report("editor-dataset");
  ImGui::TextDisabled("layers (the output layer last)");
  ImGui::PopItemWidth();
  draw_layers(report);
  ImGui::PushItemWidth(150);
  static constexpr InitKind kInits[] = {InitKind::constant, InitKind::gaussian, InitKind::uniform,
                                        InitKind::xavier_uniform, InitKind::xavier_normal, InitKind::he_uniform,
                                        InitKind::he_normal, InitKind::lecun_uniform, InitKind::lecun_normal};
  enum_combo("weights init", draft_.weight_init.kind, kInits);
  if (draft_.weight_init.kind == InitKind::gaussian) ImGui::InputDouble("sigma", &draft_.weight_init.sigma, 0, 0, "%.4g");
  if (draft_.weight_init.kind == InitKind::uniform) ImGui::InputDouble("range", &draft_.weight_init.range, 0, 0, "%.4g");
  if (draft_.weight_init.kind == InitKind::constant) ImGui::InputDouble("value", &draft_.weight_init.value, 0, 0, "%.4g");
  static constexpr LossKind kLosses[] = {LossKind::cross_entropy, LossKind::mse};
  enum_combo("loss", draft_.loss, kLosses);
  static constexpr OptimizerKind kOpts[] = {OptimizerKind::sgd, OptimizerKind::momentum, OptimizerKind::nesterov,
                                            OptimizerKind::adagrad, OptimizerKind::rmsprop, OptimizerKind::adam,
                                            OptimizerKind::adamw, OptimizerKind::adadelta};
  enum_combo("optimizer", draft_.optimizer.kind, kOpts);
  if (draft_.optimizer.kind == OptimizerKind::momentum || draft_.optimizer.kind == OptimizerKind::nesterov)
    ImGui::InputDouble("momentum", &draft_.optimizer.momentum, 0, 0, "%.3g");
  ImGui::InputDouble("learning rate", &draft_.schedule.base_lr, 0, 0, "%.4g");
  report("editor-lr");
  ImGui::InputDouble("weight decay", &draft_.optimizer.weight_decay, 0, 0, "%.4g");
  int batch = clamp_int(draft_.training.batch_size, 0, 1 << 20);
  if (ImGui::InputInt("batch size", &batch, 0, 0)) draft_.training.batch_size = batch;
  int epochs = int(std::clamp<int64_t>(draft_.training.epochs, 0, 1 << 20));
  if (ImGui::InputInt("epochs", &epochs, 0, 0)) draft_.training.epochs = epochs, draft_.training.steps = 0;
  int seed = int(std::min<uint64_t>(draft_.training.seed, 1u << 30));
  if (ImGui::InputInt("seed", &seed, 0, 0)) draft_.training.seed = uint64_t(std::max(0, seed));
  ImGui::InputInt("threads", &draft_.training.threads, 0, 0);
  ImGui::PopItemWidth();

  std::optional<ExperimentConfig> apply;
  if (ImGui::Button("Apply as a new run")) {
    // Through the parser, so the checks and their messages are the config file's.
    try {
      ExperimentConfig c = draft_;
      if (c.name.find("(edited)") == std::string::npos) c.name += " (edited)";
      // Names again from the layers' order (fc1, fc2, ...): an inserted layer would
      // otherwise take a name an old one still has.
      for (auto& l : c.model.layers) l.name.clear();
      apply = parse_experiment(to_json(c), "experiment editor");
      error_.clear();
    } catch (const Error& e) {
      error_ = e.what();
      log("experiment refused: " + error_);
    }
  }
  report("editor-apply");
  ImGui::SameLine();
  if (ImGui::Button("Revert")) reset(original_);
  if (!error_.empty()) {
    ImGui::PushStyleColor(ImGuiCol_Text, IM_COL32(255, 120, 100, 255));
    ImGui::TextWrapped("%s", error_.c_str());
    ImGui::PopStyleColor();
  }
  return apply;
}

}  // namespace ts
