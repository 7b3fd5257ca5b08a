#pragma once
// The window's widgets as the plain structs of a session file (ui/session/SessionFile.h) and back, for
// WindowSession.cpp: charts and tables as shown, and a tab's own settings keyed by its widgets' names
// (the first files keyed them by widget kind and position: those still apply).
#include <QList>
#include <QString>

#include <vector>

#include "ChartView.h"
#include "session/SessionFile.h"

class QTableWidget;
class QWidget;

namespace ts::ui {

class RunLog;

std::vector<session::Series> series_of(const QList<ChartView::Series>& list);
QList<ChartView::Series> qseries(const std::vector<session::Series>& list);
session::Chart chart_of(const ChartView::Content& c);
ChartView::Content content_of(const session::Chart& j);
session::Table table_of(const QTableWidget* t);
void set_table(QTableWidget* t, const session::Table& j);
/// The run log's rows as a session holds them (each with its kind, settings and curves), and back.
std::vector<session::Run> runs_of(const RunLog& log);
void show_runs(RunLog& log, const std::vector<session::Run>& rows);

/// Every input of a tab (spin boxes, combo boxes, check boxes, line edits, checked lists): by name where the
/// widget has one, by kind and position where it has none.
session::PanelInputs inputs_of(QWidget* root);
/// "" when every named setting of `p` fits its widget's kind, else the first misfit, named `where`.NAME.
QString misfit(const session::PanelInputs& p, QWidget* root, const QString& where);
/// Sets the tab's inputs from `p` (by name, else by kind and position), without their change signals.
void set_inputs(QWidget* root, const session::PanelInputs& p);

/// The file inside a model spec (a .pt file) or a data spec (csv:PATH, npy:, npz:, images:), or "".
QString file_of_model(const QString& model);
QString file_of_data(const QString& data);

}  // namespace ts::ui
