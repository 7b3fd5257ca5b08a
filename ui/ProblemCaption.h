#pragma once
// The line under a tab's figures that says which problem they were computed for (model, data, input shape,
// output, parameters, problem seed). When the form describes another problem, it says that the figures belong
// to the earlier one, so a figure is never read as the form's.
#include <QLabel>

#include <string>

namespace ts {
struct ProblemSpec;
}

namespace ts::ui {

class ProblemCaption : public QLabel {
  Q_OBJECT
 public:
  /// `name` identifies the caption in a session ("spectrumCaption", …).
  ProblemCaption(const QString& name, QWidget* parent);

  /// The figures above were computed for `p`.
  void setProblem(const ts::ProblemSpec& p);
  /// The form now describes `form`: "Earlier problem" when it is not the figures' one.
  void compareWith(const ts::ProblemSpec& form);
  /// No figures: the caption is empty.
  void clearProblem();
  /// The figures' problem as problem_key gives it (empty: no figures), and its description; restore() puts
  /// both back, as a session keeps them.
  const std::string& problemKey() const { return key_; }
  QString problemText() const { return text_; }
  void restore(const std::string& key, const QString& text);

 private:
  void refresh();
  std::string key_;  ///< the figures' problem as one comparable text (empty: no figures)
  QString text_;     ///< "model on data (…)"
  bool earlier_ = false;
};

/// The problem a result belongs to, as one comparable text: what the kernel is (model, data and its subset
/// seed, shape, output, parameters), not how it is computed.
std::string problem_key(const ts::ProblemSpec& p);

}  // namespace ts::ui
