#pragma once
// Numbers and names as the papers write them, for every label, table and tooltip of the app: metric names
// typeset (tr K, ‖K‖_F, r_eff, cos(K₁, K₂)), values with an error to the error's two significant digits.
#include <QString>

#include <optional>

namespace ts::ui {

/// "trace" → "tr K", "frobenius" → "‖K‖_F", "effective_rank" → "r_eff(K)", "alignment" → "cos(K₁, K₂)",
/// "target_alignment" → "yᵀKy / (‖K‖_F ‖y‖²)"; other names as they are.
QString metricLabel(const QString& name);

/// v ± err with err to two significant digits and v to the same place (ts::format_uncertain), in the C
/// locale; without an error, v to `significant` digits.
QString withError(double v, std::optional<double> err, int significant = 6);

/// A chart series as a person reads it: an estimator's or a query strategy's code name at its start becomes
/// its display name ("hutchpp" → "Hutch++", "xnystrace · run 2" → "XNysTrace · run 2", "badge" → "BADGE");
/// other names as they are. Charts keep
/// the code names inside (colours, sessions, CSV); legends and read-outs show these.
QString displayName(const QString& series);

/// A label as rich text, subscripts typeset: "‖K‖_F" → "‖K‖<sub>F</sub>", "r_eff" → "r<sub>eff</sub>",
/// "K_g" → "K<sub>g</sub>" (for chart legends and axis titles, which render it; text elsewhere stays plain).
QString typeset(const QString& label);

/// The app's one error-bar convention: ±2σ (≈ 95%) from a standard error σ; absent stays absent.
std::optional<double> twoSigma(std::optional<double> std_error);

/// v rounded to the decimal place that the error `err` supports (its second significant digit, as withError
/// writes it), without the error: an exact value beside an estimate, or an estimate whose error has its own
/// column. Without an error, v to `significant` digits; "—" when absent or NaN.
QString atPlaceOf(std::optional<double> v, std::optional<double> err, int significant = 8);

/// v to `significant` digits in the C locale, "—" when absent or NaN.
QString number(std::optional<double> v, int significant = 3);

}  // namespace ts::ui
