// Charts of a run directory: the points come from the tables as written, blank cells
// (values not taken at a step) are skipped, and every bad input names the file.
#include "core/chart/run_charts.h"
#include "core/error.h"
#include "core/io/atomic_file.h"
#include "tests/temp_dir.h"

#include <doctest/doctest.h>

#include <string>

using namespace ts;

namespace {
void write(const std::filesystem::path& p, const std::string& text) { write_file_atomic(p, text); }

std::string error_of(const std::filesystem::path& run, const std::string& chart,
                     std::vector<std::string> layers = {}) {
  try {
    run_chart(run, chart, layers);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST_CASE("run charts take their points from the run's tables") {
  ts::testing::TempDir dir;
  write(dir / "metrics.csv",
        "step,epoch,lr,train_loss,train_accuracy,grad_norm,validation_loss,validation_accuracy,"
        "test_loss,"
        "test_accuracy,grad_norm.fc1,grad_norm.fc2,update_ratio.fc1,update_ratio.fc2\n"
        "1,0.1,0.5,2.5,0.1,3,,,,,1.5,0.5,0.01,0.02\n"
        "2,0.2,0.25,1.5,0.4,2,1.75,0.3,1.8,0.35,1.25,0.75,0.03,0.04\n"
        "3,0.3,0.125,1.0,0.6,1,,,,,1.0,,0.05,0.06\n");
  write(dir / "layers.csv",
        "step,layer,act_mean,act_std,saturated,dead,weight_norm,distance_init,frame_potential\n"
        "2,fc1,0.5,1.5,,0.1,10,1,400\n2,fc2,0.25,0.5,,0.2,5,0.5,120\n"
        "3,fc1,0.75,1.25,,0.15,11,2,420\n");
  write(dir / "spectra.csv",
        "step,layer,index,singular_value\n2,fc1,0,9\n3,fc1,0,8\n3,fc1,1,4\n3,fc2,0,2\n");

  const SvgChart loss = run_chart(dir.path(), "loss");
  CHECK(loss.log_y);
  REQUIRE(loss.series.size() == 3);
  CHECK(loss.series[0].x == std::vector<double>{1, 2, 3});
  CHECK(loss.series[0].y == std::vector<double>{2.5, 1.5, 1.0});
  CHECK(loss.series[1].x == std::vector<double>{2});  // blank cells are steps without an evaluation
  // Smoothed as the window does: EMA 0.5 of 2.5, 1.5, 1.0 is 2.5, (0.25 * 2.5 + 0.5 * 1.5) /
  // 0.75, (0.125 * 2.5 + 0.25 * 1.5 + 0.5 * 1.0) / 0.875; the raw series faint and unlisted.
  const SvgChart smoothed = run_chart(dir.path(), "loss", {}, 0.5);
  REQUIRE(smoothed.series.size() == 4);
  CHECK(smoothed.series[0].name.empty());
  CHECK(smoothed.series[0].opacity == 0.3);
  CHECK(smoothed.series[1].name == "train (EMA 0.5)");
  REQUIRE(smoothed.series[1].y.size() == 3);
  CHECK(smoothed.series[1].y[0] == doctest::Approx(2.5));
  CHECK(smoothed.series[1].y[1] == doctest::Approx(1.375 / 0.75));
  CHECK(smoothed.series[1].y[2] == doctest::Approx(1.1875 / 0.875));
  CHECK(error_of(dir.path(), "loss") == "");
  CHECK_THROWS_WITH_AS(run_chart(dir.path(), "loss", {}, 1.0),
                       "smoothing: must be in [0, 1), got 1", Error);
  CHECK(loss.series[1].y == std::vector<double>{1.75});
  CHECK(loss.series[2].y == std::vector<double>{1.8});
  CHECK(run_chart(dir.path(), "lr").series[0].y == std::vector<double>{0.5, 0.25, 0.125});
  CHECK(run_chart(dir.path(), "lr").title == "Learning rate");
  // With the tracked sharpness, as the window draws it: against 2 / lr, on a log scale.
  write(dir / "sharpness.csv",
        "step,top_eigenvalue,iterations,loss,lr\n2,3.5,20,1.5,0.25\n3,7.75,4,1.0,0.125\n");
  const SvgChart edge = run_chart(dir.path(), "lr");
  CHECK(edge.title == "Learning rate and sharpness");
  CHECK(edge.log_y);
  REQUIRE(edge.series.size() == 3);
  CHECK(edge.series[1].name == "2 / lr");
  CHECK(edge.series[1].y == std::vector<double>{4, 8, 16});
  CHECK(edge.series[2].name == "sharpness (top Hessian eigenvalue)");
  CHECK(edge.series[2].x == std::vector<double>{2, 3});
  CHECK(edge.series[2].y == std::vector<double>{3.5, 7.75});
  CHECK(run_chart(dir.path(), "accuracy").series[1].y == std::vector<double>{0.3});

  const SvgChart grad = run_chart(dir.path(), "grad-norm", {"fc2"});
  REQUIRE(grad.series.size() == 1);
  CHECK(grad.series[0].name == "fc2");
  CHECK(grad.series[0].x == std::vector<double>{1, 2});
  CHECK(grad.series[0].y == std::vector<double>{0.5, 0.75});

  const SvgChart fp = run_chart(dir.path(), "frame-potential");
  REQUIRE(fp.series.size() == 2);
  CHECK(fp.series[0].x == std::vector<double>{2, 3});
  CHECK(fp.series[0].y == std::vector<double>{400, 420});
  CHECK(fp.series[1].y == std::vector<double>{120});

  const SvgChart sv = run_chart(dir.path(), "spectrum");
  CHECK(sv.title == "Singular values at step 3");
  REQUIRE(sv.series.size() == 2);
  CHECK(sv.series[0].x == std::vector<double>{1, 2});
  CHECK(sv.series[0].y == std::vector<double>{8, 4});
  CHECK(sv.series[1].y == std::vector<double>{2});
}

TEST_CASE("run charts name the file and what is wrong") {
  ts::testing::TempDir dir;
  CHECK(error_of(dir.path(), "loss").find("metrics.csv: not found") != std::string::npos);
  write(dir / "metrics.csv", "step,lr\n1,0.1\n");
  CHECK(error_of(dir.path(), "loss").find("metrics.csv: no column \"train_loss\"") !=
        std::string::npos);
  CHECK(error_of(dir.path(), "colour").find("unknown chart \"colour\"") != std::string::npos);
  write(dir / "metrics.csv", "step,lr,grad_norm.fc1\n1,0.1,2\n2,fast,3\n");
  CHECK(error_of(dir.path(), "lr").find("metrics.csv: line 3, column lr") != std::string::npos);
  CHECK(error_of(dir.path(), "grad-norm", {"fc9"}).find("no layer \"fc9\" (it has fc1)") !=
        std::string::npos);
  write(dir / "metrics.csv", "step,lr\n1,0.1,7\n");
  CHECK(error_of(dir.path(), "lr").find("line 2 has 3 cells, the header 2") != std::string::npos);
  write(dir / "metrics.csv", "step,lr\n");
  CHECK(error_of(dir.path(), "lr").find("no rows to draw") != std::string::npos);
}
