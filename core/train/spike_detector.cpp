#include "core/train/spike_detector.h"

#include <algorithm>
#include <cmath>

namespace ts {

void SpikeDetector::fold(Moments& m, double x, int seen, int warmup) {
  if (seen < warmup) m.peak = seen == 0 ? x : std::max(m.peak, x);
  if (seen == 0) {
    m.mean = x;
    m.var = 0.0;
    return;
  }
  constexpr double a = 0.05;
  const double d = x - m.mean;
  m.mean += a * d;
  // The deviation feeds the variance clipped at 3 running deviations once the warm-up has
  // shaped it: a steady climb (a loss doubling each step) would otherwise widen the spread
  // as fast as it climbs, and never stand 10 deviations out.
  const double cap = 3.0 * std::sqrt(m.var);
  const double dv = seen > warmup && cap > 0 ? std::clamp(d, -cap, cap) : d;
  m.var = (1.0 - a) * (m.var + a * dv * dv);
}

double SpikeDetector::limit(const Moments& m, double floor) const {
  return std::max({factor_ * m.mean, m.mean + 10.0 * std::sqrt(m.var), 2.0 * m.peak, floor});
}

StepGuard SpikeDetector::guard() const {
  StepGuard g;
  if (factor_ <= 0.0 || seen_ < warmup_) return g;
  g.max_loss = limit(loss_, 0.5 * std::max(line_loss_, chance_loss_));
  g.max_grad_norm = limit(grad_, 0.5 * line_grad_);
  return g;
}

void SpikeDetector::observe(double loss, double grad_norm) {
  if (!std::isfinite(loss) || !std::isfinite(grad_norm)) return;
  fold(loss_, loss, seen_, warmup_);
  fold(grad_, grad_norm, seen_, warmup_);
  ++seen_;
  if (line_seen_ < warmup_) {
    line_loss_ = line_seen_ == 0 ? loss : std::max(line_loss_, loss);
    line_grad_ = line_seen_ == 0 ? grad_norm : std::max(line_grad_, grad_norm);
    ++line_seen_;
  }
}

nlohmann::json SpikeDetector::state() const {
  auto moments = [](const Moments& m) { return nlohmann::json::array({m.mean, m.var, m.peak}); };
  return {{"seen", seen_},           {"loss", moments(loss_)},  {"grad", moments(grad_)},
          {"line_seen", line_seen_}, {"line_loss", line_loss_}, {"line_grad", line_grad_}};
}

void SpikeDetector::restore(const nlohmann::json& j) {
  auto moments = [](const nlohmann::json& a, Moments& m) {
    if (!a.is_array() || a.size() != 3) return false;
    for (const auto& v : a)
      if (!v.is_number() || !std::isfinite(v.get<double>())) return false;
    m = Moments{a[0].get<double>(), a[1].get<double>(), a[2].get<double>()};
    return true;
  };
  auto count = [](const nlohmann::json& v) {
    return v.is_number_integer() && v.get<int64_t>() >= 0;
  };
  auto number = [](const nlohmann::json& v) {
    return v.is_number() && std::isfinite(v.get<double>());
  };
  Moments loss, grad;
  if (!j.is_object() || !count(j.value("seen", nlohmann::json())) ||
      !count(j.value("line_seen", nlohmann::json())) ||
      !number(j.value("line_loss", nlohmann::json())) ||
      !number(j.value("line_grad", nlohmann::json())) ||
      !moments(j.value("loss", nlohmann::json()), loss) ||
      !moments(j.value("grad", nlohmann::json()), grad))
    return;
  seen_ = int(std::min<int64_t>(j["seen"].get<int64_t>(), 1 << 30));
  line_seen_ = int(std::min<int64_t>(j["line_seen"].get<int64_t>(), 1 << 30));
  loss_ = loss;
  grad_ = grad;
  line_loss_ = j["line_loss"].get<double>();
  line_grad_ = j["line_grad"].get<double>();
}

}  // namespace ts
