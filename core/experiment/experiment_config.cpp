#include "core/experiment/experiment_config.h"

namespace ts {

const char* to_string(EarlyStopping::Metric m) {
  return m == EarlyStopping::Metric::validation_accuracy ? "validation_accuracy"
                                                         : "validation_loss";
}

}  // namespace ts
