#include "ProblemCaption.h"

#include "jobs/ProblemSpec.h"

namespace ts::ui {

std::string problem_key(const ProblemSpec& p) {
  return p.model + "|" + p.data + "|" + p.input_shape + "|" + p.output + "|" + p.params + "|" +
         std::to_string(p.compute.seed);
}

ProblemCaption::ProblemCaption(const QString& name, QWidget* parent) : QLabel(parent) {
  setObjectName(name);
  setTextFormat(Qt::PlainText);  // the problem's names as written (a session's text is never markup)
  setWordWrap(true);
  setTextInteractionFlags(Qt::TextSelectableByMouse);
  setProperty("notInSession", true);
}

void ProblemCaption::setProblem(const ProblemSpec& p) {
  key_ = problem_key(p);
  text_ = QString::fromStdString(p.model) + " on " + QString::fromStdString(p.data);
  QStringList extra;
  if (!p.input_shape.empty()) extra << "input [" + QString::fromStdString(p.input_shape) + "]";
  if (!p.output.empty()) extra << "output " + QString::fromStdString(p.output);
  if (!p.params.empty() && p.params != "all") extra << "parameters " + QString::fromStdString(p.params);
  extra << QString("problem seed %1").arg(p.compute.seed);
  text_ += " (" + extra.join(", ") + ")";
  earlier_ = false;
  refresh();
}

void ProblemCaption::compareWith(const ProblemSpec& form) {
  const bool earlier = !key_.empty() && problem_key(form) != key_;
  if (earlier == earlier_) return;
  earlier_ = earlier;
  refresh();
}

void ProblemCaption::clearProblem() {
  key_.clear();
  text_.clear();
  earlier_ = false;
  refresh();
}

void ProblemCaption::restore(const std::string& key, const QString& text) {
  key_ = key;
  text_ = key.empty() ? QString() : text;
  earlier_ = false;
  refresh();
}

void ProblemCaption::refresh() {
  if (key_.empty()) {
    setText({});
    setToolTip({});
    return;
  }
  setText(earlier_ ? "Earlier problem: computed for " + text_ + ". Compute again for the form's problem."
                   : "Computed for " + text_);
  setToolTip(earlier_ ? "The form now describes another problem than the one these figures were computed for"
                      : QString());
  QFont f = font();
  f.setItalic(earlier_);
  setFont(f);
}

}  // namespace ts::ui
