// A trainer on the trainer tests' small synthetic experiment, trained some steps and paused,
// with the analysis jobs the panels take: what the window holds while a run is open.
#pragma once

#include "core/train/analysis_jobs.h"
#include "tests/trainer_fixtures.h"

#include <memory>
#include <utility>

namespace ts::testing {

struct LiveTrainer {
  explicit LiveTrainer(int64_t steps = 120) : LiveTrainer(small_config(), steps) {}
  // Any synthetic experiment.
  LiveTrainer(ExperimentConfig c, int64_t steps)
      : config(std::move(c)),
        data(std::make_shared<DataSplits>(
            make_synthetic(*config.data.synthetic, config.training.seed))),
        trainer(std::make_unique<Run>(config, data)) {
    trainer.submit(cmd::Step{steps});
    run_to_settled(trainer);
  }
  ExperimentConfig config;
  std::shared_ptr<DataSplits> data;
  Trainer trainer;
  AnalysisJobs jobs;
};

}  // namespace ts::testing
