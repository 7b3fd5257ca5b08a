#pragma once
// The one table of trace estimators (docs/MATH.md §4): names, labels, descriptions, the papers, how to run
// each, what each costs, what each needs, and what replaces it where it does not apply. Dispatch
// (estimate_trace), the CLI's help and validation, the app's method list and tooltips, and the cost shown
// before a run all read it.
#include <cstdint>
#include <string>
#include <vector>

#include "core/Config.h"

namespace ts {

// Declared only: the app and the command line read the table without LibTorch's headers.
class LinearOperator;
class RectOperator;
struct RunControl;
struct AdCost;

/// The dense algebra of one estimate besides its products (see planned_dense_cost).
struct DenseCost {
  double flops = 0;
  double draws = 0;
};

struct EstimatorInfo {
  std::string name;           ///< as typed: "hutchpp"
  std::string label;          ///< as shown: "Hutch++"
  std::string summary;        ///< one line: what it does, in the notation of docs/MATH.md
  std::string paper;          ///< where it comes from (docs/REFERENCES.md)
  bool needs_psd = false;     ///< applies to positive semi-definite operators only (XNysTrace)
  bool needs_factor = false;  ///< estimates ‖B‖_F² of a factor B with A = BᵀB (RHutch, FHutch)
  /// Used instead where the operator is not PSD, or has no factor (K₁K₂ in the alignment): empty if none
  /// needed.
  std::string substitute;
  bool app_default = false;  ///< selected in the app's method list at first launch
  /// The smallest budget whose ±2σ is calibrated on the networks of `bench calibration` (docs/MATH.md §4.6:
  /// below it a sample variance has too few degrees of freedom for skewed quadratic forms). The app offers no
  /// smaller budget for this estimator; the command line adds a note to such an estimate.
  int64_t min_calibrated_budget = 8;
  TraceEstimate (*run)(const LinearOperator& A, const RectOperator* factor, const EstimatorOptions& o,
                       const RunControl& rc) = nullptr;
  /// VJPs and JVPs at budget o.matvecs (below the operator's size).
  AdCost (*planned_cost)(const EstimatorOptions& o) = nullptr;
  /// Flops and random draws besides the products, for an operator of size n whose factor has `params`
  /// columns.
  DenseCost (*dense_cost)(const EstimatorOptions& o, int64_t n, int64_t params) = nullptr;
};

/// Every estimator, in the order the app lists them.
const std::vector<EstimatorInfo>& estimator_registry();

/// The largest min_calibrated_budget of `methods` (names; "exact" and unknown names count as 8).
int64_t min_calibrated_budget(const std::vector<std::string>& methods);

/// The entry named `name`; throws InputError listing the names (and "exact") when there is none.
const EstimatorInfo& find_estimator(const std::string& name);

/// The estimator that runs in place of `name` on an operator that is (or is not) PSD and has (or has not) a
/// factor: `name` itself where it applies, else its registered substitute (XNysTrace → XTrace on K₁K₂, RHutch
/// and FHutch → Hutch++ without a factor).
const std::string& applicable_estimator(const std::string& name, bool psd, bool has_factor);

/// "hutchinson, hutchpp, …" (for messages and help).
std::string estimator_list();

}  // namespace ts
