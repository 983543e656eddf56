#include "core/lab/evaluation.hpp"

#include <algorithm>
#include <stdexcept>

namespace peakscope {

KeypointEvaluation::KeypointEvaluation(int methods, int keypoints) {
  if (methods < 0 || keypoints < 0)
    throw std::invalid_argument("evaluation: negative method or keypoint count");
  samples_.assign(methods, std::vector<std::vector<Sample>>(keypoints));
}

void KeypointEvaluation::add(int method, int keypoint, double error, double norm) {
  if (method < 0 || method >= methods() || keypoint < 0 || keypoint >= keypoints())
    throw std::out_of_range("evaluation: method " + std::to_string(method) + " keypoint " +
                            std::to_string(keypoint) + " out of range");
  samples_[method][keypoint].push_back({error, norm});
}

EvalStats KeypointEvaluation::stats(int method, int keypoint,
                                    const std::vector<double>& thresholds) const {
  EvalStats s;
  std::vector<double> finite;
  std::vector<long> hits(thresholds.size(), 0);
  long with_norm = 0;
  const int k0 = keypoint < 0 ? 0 : keypoint, k1 = keypoint < 0 ? keypoints() : keypoint + 1;
  for (int k = k0; k < k1; ++k)
    for (const Sample& x : samples_.at(method).at(k)) {
      ++s.labelled;
      if (!std::isfinite(x.error))
        ++s.invalid;
      else
        finite.push_back(x.error);
      if (!(x.norm > 0)) continue;
      ++with_norm;
      for (std::size_t t = 0; t < thresholds.size(); ++t)
        if (std::isfinite(x.error) && x.error <= thresholds[t] * x.norm) ++hits[t];
    }
  if (!finite.empty()) {
    double sum = 0;
    for (double e : finite) sum += e;
    s.mean = sum / static_cast<double>(finite.size());
    const std::size_t m = finite.size() / 2;
    std::nth_element(finite.begin(), finite.begin() + m, finite.end());
    s.median = finite[m];
    if (finite.size() % 2 == 0) {
      const double lo = *std::max_element(finite.begin(), finite.begin() + m);
      s.median = (s.median + lo) / 2;
    }
  }
  for (std::size_t t = 0; t < thresholds.size(); ++t)
    s.pck.push_back(with_norm ? static_cast<double>(hits[t]) / static_cast<double>(with_norm)
                              : NAN);
  return s;
}

}  // namespace peakscope
