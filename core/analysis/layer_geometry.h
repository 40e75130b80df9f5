// The weight-vector geometry of every dense and convolution layer of a network, now and at
// initialization: spherical k-means of the unit directions (core/analysis/unit_geometry.h),
// the angle of each unit to its nearest centre, the 2-D principal projection coloured by
// cluster (initialization drawn on the trained axes), and the frame potential against its
// lower bound. What `trainscope-cli analyze --what geometry` writes and the window's
// Weights panel draws.
#pragma once

#include "core/analysis/unit_geometry.h"
#include "core/layers/network.h"

#include <atomic>
#include <functional>
#include <span>
#include <string>
#include <vector>

namespace ts {

struct LayerGeometry {
  std::string layer;
  Index rows = 0, dimension = 0;
  std::vector<Index> units, units_init;  // the rows that are not all zero, now and at init
  SphericalClusters clusters, clusters_init;
  Projection2d projection;          // of the trained directions
  Eigen::MatrixXd projection_init;  // initial directions on the trained axes
  double frame_potential = 0, frame_potential_init = 0, lower_bound = 0;
  double median_angle_deg = 0, median_angle_init_deg = 0;
};

// Layers with fewer than two non-zero units are left out. `initial` is laid out like the
// parameters. `cancel` is polled between layers (the result then holds the layers done);
// `progress` receives the fraction of layers done.
std::vector<LayerGeometry> layer_geometry(const Network<float>& net, std::span<const float> initial,
                                          int clusters, uint64_t seed,
                                          const std::atomic<bool>* cancel = nullptr,
                                          const std::function<void(double)>& progress = {});

double median(std::vector<double> v);

}  // namespace ts
