// Tests that need the pose model: skipped with the reason when the model cache is absent on a
// developer's machine, but failed when the run fetched the models (scripts/test exports
// PEAKSCOPE_POSE_MODEL_REQUIRED=1 after get-pose-model succeeds), so a broken cache or
// converter can never hide behind a skip in CI.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

namespace peakscope::testing {

inline bool pose_model_required() {
  const char* v = std::getenv("PEAKSCOPE_POSE_MODEL_REQUIRED");
  return v && std::string(v) == "1";
}

}  // namespace peakscope::testing

// In a TEST body: returns from it (skip, or fail when required) when `problem` is not empty.
#define PEAKSCOPE_NEED_POSE_MODEL(problem_expr)                                          \
  do {                                                                                   \
    const std::string pose_problem = (problem_expr);                                     \
    if (!pose_problem.empty()) {                                                         \
      if (peakscope::testing::pose_model_required())                                     \
        GTEST_FAIL() << "pose model fetched by this run but unusable: " << pose_problem; \
      GTEST_SKIP() << "model cache absent: " << pose_problem;                            \
    }                                                                                    \
  } while (0)
