// Where the window's exports say they came from (the SVG's footnote, a comment line atop the
// CSV): set by the window each frame to the run shown, e.g. "trainscope run
// runs/lenet-...-0201, LeNet-300-100 on MNIST, step 4295"; empty: nothing is said. UI thread.
#pragma once

#include <string>

namespace ts::plot {

void set_export_source(const std::string& source);
const std::string& export_source();

}  // namespace ts::plot
