// Edit ▸ Preferences (WindowMenus.h): the default device, precision and threads of the estimator form, the
// memory budget, the theme and the autosave interval.
#include <QComboBox>
#include <QDialog>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLineEdit>
#include <QMessageBox>
#include <QSpinBox>
#include <QStatusBar>

#include "EstimatorPanel.h"
#include "MainWindow.h"
#include "WindowMenus.h"
#include "core/ErrorText.h"
#include "core/Errors.h"
#include "core/Numbers.h"

namespace ts::ui {

void WindowMenus::showPreferences() {
  QDialog dialog(w_);
  dialog.setObjectName("preferences");
  dialog.setWindowTitle("Preferences");
  auto* form = new QFormLayout(&dialog);
  EstimatorSettings compute = w_->estimatorPanel()->settings();
  auto* device = new QComboBox(&dialog);
  device->addItems({"cpu", "cuda"});
  device->setCurrentText(compute.device);
  auto* precision = new QComboBox(&dialog);
  precision->addItems({"float64", "float32"});
  precision->setCurrentText(compute.dtype);
  auto* threads = new QSpinBox(&dialog);
  threads->setRange(0, 64);
  threads->setSpecialValueText("default");
  threads->setValue(compute.threads);
  auto* budget = new QLineEdit(QString::fromStdString(format_bytes(double(w_->memoryBudget()))), &dialog);
  budget->setObjectName("memoryBudget");
  budget->setToolTip("The largest dense kernel or allocation an exact method may hold, e.g. 512M or 4G");
  auto* theme = new QComboBox(&dialog);
  theme->addItems({"light", "dark"});
  theme->setCurrentText(w_->theme());
  auto* autosave = new QSpinBox(&dialog);
  autosave->setObjectName("autosaveMinutes");
  autosave->setRange(0, 120);
  autosave->setSuffix(" min");
  autosave->setSpecialValueText("off");
  autosave->setValue(w_->autosaveMinutes());
  autosave->setToolTip("How often the session is saved for recovery after a crash (0: never)");
  form->addRow("Default device", device);
  form->addRow("Precision", precision);
  form->addRow("Threads", threads);
  form->addRow("Memory budget", budget);
  form->addRow("Theme", theme);
  form->addRow("Autosave every", autosave);
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, &dialog);
  form->addRow(buttons);
  connect(buttons, &QDialogButtonBox::accepted, &dialog, &QDialog::accept);
  connect(buttons, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
  if (dialog.exec() != QDialog::Accepted) return;
  compute.device = device->currentText();
  compute.dtype = precision->currentText();
  compute.threads = threads->value();
  w_->estimatorPanel()->apply(compute);
  try {
    w_->setMemoryBudget(parse_memory_size(budget->text().trimmed().toStdString(), "the memory budget"));
    const int64_t physical = physical_memory_bytes();
    if (physical > 0 && w_->memoryBudget() > physical)
      w_->statusBar()->showMessage(QString("The memory budget %1 is more than this machine's %2 of memory: a "
                                           "computation that fits it may still run out of memory.")
                                       .arg(QString::fromStdString(format_bytes(double(w_->memoryBudget()))),
                                            QString::fromStdString(format_bytes(double(physical)))),
                                   15000);
  } catch (const Error& e) {
    QMessageBox::warning(w_, "Preferences", QString::fromStdString(e.what()) + "; it is unchanged.");
  }
  w_->setTheme(theme->currentText());
  w_->setAutosaveMinutes(autosave->value());
}

}  // namespace ts::ui
