#include "core/procedures/lottery.h"

#include "core/error.h"
#include "core/prune/prune.h"
#include "core/run/run.h"
#include "core/text_format.h"

#include <algorithm>

namespace ts {

namespace {

// Trains `run` up to step `target` (false when cancelled), counting steps for `progress`.
bool train_to(Run& run, int64_t target, const std::string& what, const std::atomic<bool>* cancel,
              int64_t& done, int64_t total, const std::function<void(double)>& progress) {
  return train_until(run, target, "lottery ticket: " + what, cancel, [&] {
    ++done;
    if (progress && (done % 64 == 0 || done == total)) progress(double(done) / double(total));
  });
}

}  // namespace

void validate_lottery(const LotterySettings& s, const ExperimentConfig& config) {
  if (s.rounds < 1)
    throw Error("lottery.rounds: must be at least 1, got " + std::to_string(s.rounds));
  if (!(s.rate > 0.0 && s.rate < 1.0))
    throw Error("lottery.rate: must be in (0, 1), got " + format_number(s.rate));
  if (!(s.output_rate >= 0.0 && s.output_rate < 1.0))
    throw Error("lottery.output_rate: must be in [0, 1), got " + format_number(s.output_rate));
  for (std::size_t i = 0; i < s.layers.size(); ++i)
    for (std::size_t j = 0; j < i; ++j)
      if (s.layers[i] == s.layers[j])
        throw Error("lottery.layers: \"" + s.layers[i] + "\" is listed twice");
  if (s.steps < 0)
    throw Error("lottery.steps: must not be negative, got " + std::to_string(s.steps));
  const int64_t steps = s.steps > 0 ? s.steps : config.training.steps;
  if (s.rewind_step < 0 || (steps > 0 && s.rewind_step >= steps))
    throw Error("lottery.rewind_step: must be in [0, " + std::to_string(steps) + "), got " +
                std::to_string(s.rewind_step));
}

std::vector<LotteryRound> lottery_ticket(const ExperimentConfig& config,
                                         std::shared_ptr<const DataSplits> data,
                                         const LotterySettings& s, std::span<const float> initial,
                                         const std::atomic<bool>* cancel,
                                         const std::function<void(const LotteryRound&)>& on_round,
                                         const std::function<void(double)>& progress) {
  validate_lottery(s, config);
  Run run(config, data);
  auto& params = run.network().params();
  if (!initial.empty()) {
    if (initial.size() != params.total_size())
      throw Error("lottery ticket: the initial weights have " + std::to_string(initial.size()) +
                  " values, the model " + std::to_string(params.total_size()));
    std::copy(initial.begin(), initial.end(), params.values().begin());
    run.initial_values().assign(initial.begin(), initial.end());
  }
  const int64_t steps = s.steps > 0 ? s.steps : run.planned_steps();
  if (s.rewind_step >= steps)
    throw Error("lottery.rewind_step: must be below the " + std::to_string(steps) +
                " steps of a round, got " + std::to_string(s.rewind_step));
  const std::vector<std::string> all = prunable_layers(run.network());
  const std::vector<std::string> layers = s.layers.empty() ? all : s.layers;
  for (const auto& l : layers)
    if (std::find(all.begin(), all.end(), l) == all.end())
      throw Error("lottery.layers: no prunable layer is named \"" + l +
                  "\" (prunable: " + join(all) + ")");

  int64_t done = 0;
  const int64_t total = steps + int64_t(s.rounds) * (steps - s.rewind_step) * (s.control ? 2 : 1);
  std::vector<LotteryRound> rounds;
  auto finish = [&](LotteryRound r) {
    if (on_round) on_round(r);
    rounds.push_back(std::move(r));
  };
  auto layer_table = [&](LotteryRound& r) {
    long kept = 0, size = 0;
    for (const auto& l : layers) {
      const WeightCount c = weights_present(run.network(), l);
      const auto w = std::size_t(params.find(l + ".weight"));
      const std::size_t rows = std::size_t(params.info(w).shape.at(0)),
                        row_size = params.info(w).size / rows;
      r.layers.push_back({l, c.total > 0 ? double(c.present) / double(c.total) : 0.0,
                          survivor_spread(params.masks(w), rows, row_size),
                          survivor_spread(params.masks(w), rows, row_size, true)});
      kept += c.present;
      size += c.total;
    }
    r.remaining = size > 0 ? double(kept) / double(size) : 0.0;
  };

  // Round 0: the dense network, keeping the state to rewind to on the way.
  std::optional<RunState> rewind;
  if (s.rewind_step == 0) rewind = run.capture();
  if (!train_to(run, s.rewind_step, "the dense network", cancel, done, total, progress))
    return rounds;
  if (!rewind) rewind = run.capture();
  if (!train_to(run, steps, "the dense network", cancel, done, total, progress)) return rounds;
  {
    LotteryRound r;
    layer_table(r);
    const BatchStats t = run.evaluate(data->test);
    r.ticket_accuracy = t.accuracy;
    r.ticket_loss = t.loss;
    finish(std::move(r));
  }

  for (int round = 1; round <= s.rounds; ++round) {
    // Prune the trained weights of the last ticket, layer by layer.
    for (const auto& l : layers) {
      PruneRequest req;
      req.layers = {l};
      req.amount = l == all.back() ? s.output_rate : s.rate;  // the output layer is the last
      prune(run.network(), run.optimizer(), req);
    }
    const std::vector<float> masks(params.masks().begin(), params.masks().end());
    LotteryRound r;
    r.round = round;
    layer_table(r);
    const std::string name = "round " + std::to_string(round);
    if (s.control) {
      run.restore(*rewind);
      run.set_masks(masks);
      run.resample_weights(s.control_seed + uint64_t(round));
      if (!train_to(run, steps, name + "'s control", cancel, done, total, progress)) return rounds;
      const BatchStats t = run.evaluate(data->test);
      r.control_accuracy = t.accuracy;
      r.control_loss = t.loss;
    }
    run.restore(*rewind);
    run.set_masks(masks);
    if (!train_to(run, steps, name + "'s ticket", cancel, done, total, progress)) return rounds;
    const BatchStats t = run.evaluate(data->test);
    r.ticket_accuracy = t.accuracy;
    r.ticket_loss = t.loss;
    finish(std::move(r));
  }
  return rounds;
}

}  // namespace ts
