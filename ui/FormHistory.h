#pragma once
// Edit ▸ Undo and Redo of the form: every settled change of the control panel (model, data, batch, seeds,
// estimators, budget, precision, …) is one step. Edits that follow each other within half a second (typing a
// spec, dragging the budget slider) are one step. Session files and the run log's "restore" are steps too.
#include <QObject>

#include <memory>
#include <string>

class QAction;
class QTimer;
class QUndoStack;

namespace ts::session {
struct Form;
}  // namespace ts::session

namespace ts::ui {

class MainWindow;

class FormHistory : public QObject {
  Q_OBJECT
 public:
  explicit FormHistory(MainWindow* window);
  ~FormHistory() override;

  /// Edit ▸ Undo (Ctrl+Z) and Redo (Ctrl+Shift+Z, Ctrl+Y), their texts naming the step.
  QAction* undoAction() const { return undo_; }
  QAction* redoAction() const { return redo_; }
  /// Records a pending change now (tests, and before a run starts).
  void settle();
  int steps() const;
  /// Forgets every step: the form as it is now is where the history starts (after the settings of a launch).
  void reset();

 private:
  class Step;
  void changed();
  void apply(const session::Form& form);

  MainWindow* w_;
  QUndoStack* stack_;
  QTimer* settle_;
  QAction* undo_;
  QAction* redo_;
  std::unique_ptr<session::Form> shown_;  ///< the form as last recorded
  std::string shown_text_;                ///< its session text (two forms are one step when these agree)
  bool applying_ = false;  ///< an undo or redo is setting the form: its changes are no new step
};

}  // namespace ts::ui
