#include "FormHistory.h"

#include <QAction>
#include <QKeySequence>
#include <QTimer>
#include <QUndoCommand>
#include <QUndoStack>

#include "EstimatorPanel.h"
#include "MainWindow.h"
#include "ProblemPanel.h"
#include "WindowSession.h"
#include "session/SessionFile.h"

namespace ts::ui {

namespace {

// Two forms are the same step when they write the same session text.
std::string text_of(const session::Form& form) {
  session::Session s;
  s.form = form;
  return session::session_text(s);
}

// What changed, for Edit ▸ Undo's text ("Undo model", "Undo estimator settings").
QString what_changed(const session::Form& a, const session::Form& b) {
  if (a.model != b.model || a.input_shape != b.input_shape || a.output != b.output || a.params != b.params)
    return "model";
  if (a.data != b.data || a.data_n != b.data_n || a.problem_seed != b.problem_seed) return "data";
  return "estimator settings";
}

}  // namespace

class FormHistory::Step : public QUndoCommand {
 public:
  Step(FormHistory* history, session::Form before, session::Form after)
      : QUndoCommand(what_changed(before, after)),
        h_(history),
        before_(std::move(before)),
        after_(std::move(after)) {}
  void undo() override { h_->apply(before_); }
  void redo() override {
    if (first_) {  // pushed after the edit: the form already shows it
      first_ = false;
      return;
    }
    h_->apply(after_);
  }

 private:
  FormHistory* h_;
  session::Form before_, after_;
  bool first_ = true;
};

FormHistory::FormHistory(MainWindow* window)
    : QObject(window),
      w_(window),
      stack_(new QUndoStack(this)),
      settle_(new QTimer(this)),
      shown_(std::make_unique<session::Form>(window->session()->form())),
      shown_text_(text_of(*shown_)) {
  settle_->setSingleShot(true);
  settle_->setInterval(500);
  connect(settle_, &QTimer::timeout, this, &FormHistory::settle);
  connect(w_->problemPanel(), &ProblemPanel::problemChanged, this, &FormHistory::changed);
  connect(w_->estimatorPanel(), &EstimatorPanel::settingsChanged, this, &FormHistory::changed);
  undo_ = stack_->createUndoAction(this, "&Undo");
  undo_->setShortcuts({QKeySequence::Undo});
  redo_ = stack_->createRedoAction(this, "&Redo");
  redo_->setShortcuts({QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_Z), QKeySequence(Qt::CTRL | Qt::Key_Y)});
}

FormHistory::~FormHistory() = default;

int FormHistory::steps() const { return stack_->count(); }

void FormHistory::reset() {
  settle_->stop();
  stack_->clear();
  *shown_ = w_->session()->form();
  shown_text_ = text_of(*shown_);
}

void FormHistory::changed() {
  if (!applying_) settle_->start();
}

void FormHistory::settle() {
  settle_->stop();
  session::Form now = w_->session()->form();
  std::string text = text_of(now);
  if (text == shown_text_) return;
  auto* step = new Step(this, *shown_, now);
  *shown_ = std::move(now);
  shown_text_ = std::move(text);
  stack_->push(step);
}

void FormHistory::apply(const session::Form& form) {
  applying_ = true;
  w_->session()->applyForm(form, false);  // an undo never asks where a file went
  *shown_ = w_->session()->form();
  shown_text_ = text_of(*shown_);
  applying_ = false;
  settle_->stop();
}

}  // namespace ts::ui
