#pragma once
// What several window tests set up the same way.
#include "MainWindow.h"

namespace test_ui {

// The quick problem of the run-lifecycle tests: a small MLP on 20 digits, one estimator.
inline void small_problem(ts::ui::MainWindow& w) {
  w.setProblem("mlp:in=64,width=16,depth=2,out=10,seed=1", "digits:n=20");
  w.setMethods({"hutchpp"});
}

}  // namespace test_ui
