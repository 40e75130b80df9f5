#include "app/panels/experiment_editor.h"

#include "app/panels/schedule_form.h"

#include "core/error.h"
#include "core/experiment/experiment_json.h"

#include <imgui.h>

#include <functional>

#include <algorithm>
#include <cstdio>
#include <vector>

namespace ts {

namespace {

constexpr const char* kDatasets[] = {"mnist", "fashion-mnist", "spirals", "circles",
                                     "blobs", "xor",           "xord",    "teacher_student"};
constexpr LayerKind kAddable[] = {LayerKind::dense,  LayerKind::activation, LayerKind::dropout,
                                  LayerKind::conv2d, LayerKind::max_pool,   LayerKind::flatten};

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

void ExperimentEditor::reset(const ExperimentConfig& config, int64_t train_examples) {
  draft_ = config;
  original_ = config;
  train_examples_ = train_examples;
  error_.clear();
}

int64_t ExperimentEditor::plan_steps() const {
  const auto& t = draft_.training;
  if (t.steps > 0) return t.steps;
  return t.batch_size > 0 ? t.epochs * (train_examples_ / t.batch_size) : 0;
}

void ExperimentEditor::draw_schedule(const Report& report) {
  const int64_t plan = plan_steps();
  edit_schedule(draft_.schedule, plan, "editor", report);
  // The whole planned curve, sampled at the plot's columns, before anything is applied.
  std::string problem;
  try {
    validate(draft_.schedule, "schedule");
  } catch (const Error& e) {
    problem = e.what();
  }
  if (!problem.empty() || plan <= 0) {
    ImGui::TextDisabled("%s", problem.empty() ? "no planned steps to preview" : problem.c_str());
    return;
  }
  // A sparkline of the rate over the planned steps, with the step and rate under the mouse.
  const ImVec2 size(ImGui::GetContentRegionAvail().x, 56);
  const ImVec2 p0 = ImGui::GetCursorScreenPos(), p1(p0.x + size.x, p0.y + size.y);
  ImGui::InvisibleButton("editor-schedule-preview", size);
  const int columns = std::max(2, int(size.x) - 8);
  std::vector<double> rates(static_cast<std::size_t>(columns));
  double hi = 0;
  auto step_at = [&](int i) { return std::min(plan - 1, plan * i / (columns - 1)); };
  for (int i = 0; i < columns; ++i) {
    rates[std::size_t(i)] = learning_rate(draft_.schedule, step_at(i));
    hi = std::max(hi, rates[std::size_t(i)]);
  }
  ImDrawList* dl = ImGui::GetWindowDrawList();
  dl->AddRectFilled(p0, p1, ImGui::GetColorU32(ImGuiCol_FrameBg));
  const float x0 = p0.x + 4, top = p0.y + 18, bottom = p1.y - 4;
  auto y_of = [&](double r) { return hi > 0 ? bottom - float(r / hi) * (bottom - top) : bottom; };
  std::vector<ImVec2> line(static_cast<std::size_t>(columns));
  for (int i = 0; i < columns; ++i)
    line[std::size_t(i)] = ImVec2(x0 + float(i), y_of(rates[std::size_t(i)]));
  dl->AddPolyline(line.data(), columns, IM_COL32(255, 127, 14, 255), 0, 1.5f);
  char text[96];
  std::snprintf(text, sizeof text, "%lld steps, peak %.3g", (long long)plan, hi);
  if (ImGui::IsItemHovered()) {
    const int i = std::clamp(int(ImGui::GetIO().MousePos.x - x0), 0, columns - 1);
    dl->AddLine(ImVec2(x0 + float(i), top), ImVec2(x0 + float(i), bottom),
                IM_COL32(200, 200, 200, 120));
    std::snprintf(text, sizeof text, "step %lld: %.4g", (long long)step_at(i),
                  rates[std::size_t(i)]);
  }
  dl->AddText(ImVec2(p0.x + 6, p0.y + 2), ImGui::GetColorU32(ImGuiCol_Text), text);
  report("editor-schedule-preview");
}

namespace {
constexpr InitKind kInits[] = {
    InitKind::constant,       InitKind::gaussian,      InitKind::uniform,
    InitKind::xavier_uniform, InitKind::xavier_normal, InitKind::he_uniform,
    InitKind::he_normal,      InitKind::lecun_uniform, InitKind::lecun_normal};

// One initializer: its kind and the parameter that kind takes, and a gain.
void edit_init(InitSpec& wi, const char* kind_label,
               const std::function<void(const char*)>& report) {
  enum_combo(kind_label, wi.kind, kInits);
  if (wi.kind == InitKind::gaussian) ImGui::InputDouble("sigma", &wi.sigma, 0, 0, "%.4g");
  if (wi.kind == InitKind::uniform) ImGui::InputDouble("range", &wi.range, 0, 0, "%.4g");
  if (wi.kind == InitKind::constant) ImGui::InputDouble("value", &wi.value, 0, 0, "%.4g");
  const bool agnostic = wi.kind == InitKind::xavier_uniform || wi.kind == InitKind::xavier_normal ||
                        wi.kind == InitKind::lecun_uniform || wi.kind == InitKind::lecun_normal;
  if (!agnostic) wi.auto_gain = false;
  if (agnostic) {
    ImGui::Checkbox("gain of the activation", &wi.auto_gain);
    if (ImGui::IsItemHovered())
      ImGui::SetTooltip(
          "Scale each layer's spread by the gain of the activation after it: sigmoid x4\n"
          "(Glorot), tanh 5/3, ReLU sqrt(2), none 1. LeCun with ReLU's gain is He.");
    report("editor-auto-gain");
  }
  if (wi.kind != InitKind::constant && !wi.auto_gain)
    ImGui::InputDouble("gain", &wi.gain, 0, 0, "%.4g");
  if (wi.kind == InitKind::constant) wi.gain = 1.0;
}
}  // namespace

void ExperimentEditor::draw_init(const Report& report) {
  edit_init(draft_.weight_init, "weights init", report);
  // Layers with an initializer of their own (spirals' wide first layer, gaussian 4.0).
  std::string removed;
  for (auto& [name, spec] : draft_.layer_init) {
    ImGui::PushID(name.c_str());
    ImGui::Separator();
    ImGui::Text("%s, its own:", name.c_str());
    ImGui::SameLine();
    if (ImGui::SmallButton("use the default")) removed = name;
    report(("editor-init-remove-" + name).c_str());
    edit_init(spec, "init", report);
    ImGui::PopID();
  }
  if (!removed.empty()) draft_.layer_init.erase(removed);
  // A layer with weights and no initializer of its own may get one.
  std::vector<std::string> free;
  for (const auto& l : draft_.model.layers)
    if ((l.kind == LayerKind::dense || l.kind == LayerKind::conv2d) && !l.name.empty() &&
        !draft_.layer_init.count(l.name))
      free.push_back(l.name);
  if (!free.empty() && ImGui::BeginCombo("##add-layer-init", "give a layer its own init...")) {
    for (const auto& n : free)
      if (ImGui::Selectable(n.c_str())) draft_.layer_init[n] = draft_.weight_init;
    ImGui::EndCombo();
  }
  ImGui::Separator();
  ImGui::Checkbox("output bias: log class prior", &draft_.output_bias_log_prior);
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip(
        "The last layer's biases start at the log of each class's share of the training\n"
        "set, so the first predictions are the class prior.");
}

void ExperimentEditor::draw_optimizer(const Report& report) {
  static constexpr LossKind kLosses[] = {LossKind::cross_entropy, LossKind::mse};
  enum_combo("loss", draft_.loss, kLosses);
  static constexpr OptimizerKind kOpts[] = {OptimizerKind::sgd,      OptimizerKind::momentum,
                                            OptimizerKind::nesterov, OptimizerKind::adagrad,
                                            OptimizerKind::rmsprop,  OptimizerKind::adam,
                                            OptimizerKind::adamw,    OptimizerKind::adadelta};
  // Another optimizer starts from its own defaults (eps, and its usual learning rate).
  OptimizerKind kind = draft_.optimizer.kind;
  if (enum_combo("optimizer", kind, kOpts) && kind != draft_.optimizer.kind) {
    draft_.optimizer = switched_optimizer(draft_.optimizer, kind);
    if (!std::holds_alternative<OneCycleLr>(draft_.schedule.shape))
      draft_.schedule.base_lr = default_learning_rate(kind);
  }
  report("editor-optimizer");
  OptimizerSettings& o = draft_.optimizer;
  if (o.kind == OptimizerKind::momentum || o.kind == OptimizerKind::nesterov)
    ImGui::InputDouble("momentum", &o.momentum, 0, 0, "%.3g");
  if (o.kind == OptimizerKind::rmsprop)
    ImGui::InputDouble("momentum", &o.rmsprop_momentum, 0, 0, "%.3g");
  if (o.kind == OptimizerKind::adam || o.kind == OptimizerKind::adamw) {
    ImGui::InputDouble("beta1", &o.beta1, 0, 0, "%.4g");
    ImGui::InputDouble("beta2", &o.beta2, 0, 0, "%.4g");
  }
  if (o.kind == OptimizerKind::rmsprop || o.kind == OptimizerKind::adadelta)
    ImGui::InputDouble("rho", &o.rho, 0, 0, "%.4g");
  if (o.kind != OptimizerKind::sgd && o.kind != OptimizerKind::momentum &&
      o.kind != OptimizerKind::nesterov) {
    ImGui::InputDouble("eps", &o.eps, 0, 0, "%.3g");
    report("editor-eps");
  }
  ImGui::InputDouble("weight decay", &draft_.optimizer.weight_decay, 0, 0, "%.4g");
  if (draft_.optimizer.weight_decay > 0) {
    ImGui::SameLine();
    ImGui::Checkbox("biases too", &draft_.optimizer.decay_biases);
    if (ImGui::IsItemHovered())
      ImGui::SetTooltip(
          "Off: weight decay reaches weight matrices and filters only (the 1/2 wd |W|^2\n"
          "penalty). On: biases and PReLU slopes decay too, as PyTorch does by default.");
  }
}

void ExperimentEditor::draw_training(const Report& report) {
  int batch = clamp_int(draft_.training.batch_size, 0, 1 << 20);
  if (ImGui::InputInt("batch size", &batch, 0, 0)) draft_.training.batch_size = batch;
  int epochs = int(std::clamp<int64_t>(draft_.training.epochs, 0, 1 << 20));
  if (ImGui::InputInt("epochs", &epochs, 0, 0))
    draft_.training.epochs = epochs, draft_.training.steps = 0;
  int seed = int(std::min<uint64_t>(draft_.training.seed, 1u << 30));
  if (ImGui::InputInt("seed", &seed, 0, 0)) draft_.training.seed = uint64_t(std::max(0, seed));
  ImGui::InputInt("threads", &draft_.training.threads, 0, 0);
  ImGui::InputDouble("outlier factor (0: off)", &draft_.monitor.spike_factor, 0, 0, "%.3g");
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip(
        "A step whose loss or gradient norm is this many times its running level (and back above\n"
        "half where training started) pauses training as a divergence. 0 turns the test off;\n"
        "NaN and Inf always pause.");
  report("editor-spike-factor");
  int sharp = int(std::clamp<int64_t>(draft_.monitor.sharpness_interval, 0, 1 << 30));
  if (ImGui::InputInt("sharpness every (steps, 0: off)", &sharp, 0, 0))
    draft_.monitor.sharpness_interval = std::max(0, sharp);
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip(
        "Every this many steps, the top Hessian eigenvalue of the training loss over the first\n"
        "%lld training images, drawn on the Learning rate chart against 2 / lr (the edge of\n"
        "stability). Each measurement pauses training for about a dozen gradient passes.",
        (long long)draft_.monitor.sharpness_samples);
  report("editor-sharpness");
  auto& early = draft_.training.early_stopping;
  bool stops = early.has_value();
  if (ImGui::Checkbox("early stopping", &stops))
    early = stops ? std::optional<EarlyStopping>(EarlyStopping{}) : std::nullopt;
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip(
        "After `patience` evaluations without improvement of the validation metric,\n"
        "go back to the best evaluation's weights and stop.");
  report("editor-early-stopping");
  if (early) {
    int metric = int(early->metric);
    if (ImGui::Combo("watch", &metric, "validation loss\0validation accuracy\0"))
      early->metric = EarlyStopping::Metric(metric);
    ImGui::InputInt("patience (evaluations)", &early->patience, 0, 0);
    ImGui::InputDouble("min delta", &early->min_delta, 0, 0, "%.4g");
  }
}

void ExperimentEditor::draw_pruning(const Report& report) {
  auto& g = draft_.pruning;
  bool on = g.has_value();
  if (ImGui::Checkbox("gradual pruning while training", &on)) {
    if (on) {
      // Zhu & Gupta's shape over the middle of the plan: from 10% of it to 70%, every 1%.
      const int64_t plan = std::max<int64_t>(100, plan_steps());
      GradualPruning p;
      p.frequency = std::max<int64_t>(1, plan / 100);
      p.begin_step = plan / 10;
      p.end_step = p.begin_step + 60 * p.frequency;
      g = p;
    } else {
      g.reset();
    }
  }
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip(
        "Zhu & Gupta 2017: from the begin step, every `frequency` steps, prune by magnitude to\n"
        "s_t = s_f + (s_i - s_f)(1 - (t - t0)/(end - t0))^3, reaching the final sparsity at the "
        "end step.");
  report("editor-pruning");
  if (!g) return;
  ImGui::PushItemWidth(120);
  ImGui::InputDouble("initial sparsity", &g->initial_sparsity, 0, 0, "%.3g");
  ImGui::InputDouble("final sparsity", &g->final_sparsity, 0, 0, "%.3g");
  report("editor-final-sparsity");
  ImGui::InputScalar("begin step", ImGuiDataType_S64, &g->begin_step);
  ImGui::InputScalar("end step", ImGuiDataType_S64, &g->end_step);
  ImGui::InputScalar("every (steps)", ImGuiDataType_S64, &g->frequency);
  ImGui::PopItemWidth();
  ImGui::Checkbox("one threshold over the layers (global)", &g->global);
  ImGui::TextDisabled("layers (none ticked: every one with weights)");
  bool first = true;
  for (const LayerSpec& l : draft_.model.layers) {
    if (l.kind != LayerKind::dense && l.kind != LayerKind::conv2d) continue;
    if (l.name.empty()) continue;  // a layer added in this draft has its name once applied
    bool in = std::find(g->layers.begin(), g->layers.end(), l.name) != g->layers.end();
    if (!first) ImGui::SameLine();
    first = false;
    if (ImGui::Checkbox(("##prune-" + l.name).c_str(), &in)) {
      if (in)
        g->layers.push_back(l.name);
      else
        g->layers.erase(std::remove(g->layers.begin(), g->layers.end(), l.name), g->layers.end());
    }
    ImGui::SameLine();
    ImGui::TextUnformatted(l.name.c_str());
  }
  std::string problem;
  try {
    validate(*g, "pruning");
  } catch (const Error& e) {
    problem = e.what();
  }
  if (!problem.empty()) ImGui::TextColored(ImVec4(1.f, 0.47f, 0.4f, 1.f), "%s", problem.c_str());
}

void ExperimentEditor::draw_layers(const Report& report) {
  static constexpr ActivationKind kActs[] = {ActivationKind::identity,   ActivationKind::sigmoid,
                                             ActivationKind::tanh,       ActivationKind::relu,
                                             ActivationKind::leaky_relu, ActivationKind::elu,
                                             ActivationKind::selu,       ActivationKind::gelu};
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
      case LayerKind::activation:
        // Another activation starts from its own alpha (ELU 1, leaky ReLU 0.01).
        if (enum_combo("##act", l.activation, kActs)) l.alpha.reset();
        if (l.activation == ActivationKind::elu || l.activation == ActivationKind::leaky_relu) {
          double alpha = activation_alpha(l);
          ImGui::SameLine();
          ImGui::SetNextItemWidth(70);
          if (ImGui::InputDouble("alpha", &alpha, 0, 0, "%.3g")) l.alpha = alpha;
        }
        break;
      case LayerKind::max_pool: {
        int pool = clamp_int(l.pool, 0, 64);
        if (ImGui::InputInt("pool", &pool, 0, 0)) l.pool = l.pool_stride = pool;
        break;
      }
      default:
        ImGui::TextDisabled("-");
        break;
    }
    report(("editor-layer-" + std::to_string(i)).c_str());
    ImGui::SameLine(ImGui::GetWindowContentRegionMax().x - 44);
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
  // The fields scroll; Apply, Revert and a refusal stay in view below them.
  const float footer = ImGui::GetFrameHeightWithSpacing() +
                       (error_.empty() ? 0.f : 3 * ImGui::GetTextLineHeightWithSpacing());
  ImGui::BeginChild("editor-fields",
                    ImVec2(0, std::max(160.f, ImGui::GetContentRegionAvail().y - footer)));
  ImGui::PushItemWidth(150);
  // Data: a dataset's own defaults for everything else it takes.
  const char* current = draft_.data.dataset.c_str();
  if (ImGui::BeginCombo("dataset", current)) {
    for (const char* d : kDatasets)
      if (ImGui::Selectable(d, draft_.data.dataset == d)) {
        draft_.data.dataset = d;
        draft_.data.raw = nlohmann::json{{"dataset", d}};
        if (image_set(d)) {
          draft_.data.raw["validation_fraction"] = draft_.data.validation_fraction;
          if (draft_.data.train_size > 0) draft_.data.raw["train_size"] = draft_.data.train_size;
        }
      }
    ImGui::EndCombo();
  }
  report("editor-dataset");
  ImGui::TextDisabled("layers (the output layer last)");
  ImGui::PopItemWidth();
  draw_layers(report);
  ImGui::PushItemWidth(150);
  const bool init_open = ImGui::CollapsingHeader("Initialization");
  report("editor-init");
  if (init_open) draw_init(report);
  if (ImGui::CollapsingHeader("Loss and optimizer", ImGuiTreeNodeFlags_DefaultOpen))
    draw_optimizer(report);
  ImGui::PopItemWidth();
  if (ImGui::CollapsingHeader("Learning-rate schedule", ImGuiTreeNodeFlags_DefaultOpen))
    draw_schedule(report);
  ImGui::PushItemWidth(150);
  if (ImGui::CollapsingHeader("Training")) draw_training(report);
  ImGui::PopItemWidth();
  if (ImGui::CollapsingHeader("Gradual pruning")) draw_pruning(report);
  ImGui::EndChild();

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
  if (ImGui::Button("Revert")) reset(original_, train_examples_);
  if (!error_.empty()) {
    ImGui::PushStyleColor(ImGuiCol_Text, IM_COL32(255, 120, 100, 255));
    ImGui::TextWrapped("%s", error_.c_str());
    ImGui::PopStyleColor();
  }
  return apply;
}

}  // namespace ts
