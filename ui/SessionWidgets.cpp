// The window's widgets as the plain structs of a session file (ui/session/SessionFile.h) and back: charts,
// tables, and the tabs' own settings by widget name (by kind and position for the first files).
#include "SessionWidgets.h"

#include "RunLog.h"

#include <QAbstractSpinBox>
#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QLineEdit>
#include <QListWidget>
#include <QSignalBlocker>
#include <QSpinBox>
#include <QTableWidget>

#include <climits>
#include <cstring>
#include <type_traits>

namespace ts::ui {

namespace {

std::string std_of(const QString& text) { return text.toStdString(); }
QString q_of(const std::string& text) { return QString::fromStdString(text); }

std::vector<session::Point> points_of(const QList<QPointF>& points) {
  std::vector<session::Point> out;
  out.reserve(size_t(points.size()));
  for (const QPointF& p : points) out.push_back({p.x(), p.y()});
  return out;
}
QList<QPointF> qpoints(const std::vector<session::Point>& points) {
  QList<QPointF> out;
  out.reserve(qsizetype(points.size()));
  for (const auto& p : points) out << QPointF(p.x, p.y);
  return out;
}

}  // namespace

std::vector<session::Series> series_of(const QList<ChartView::Series>& list) {
  std::vector<session::Series> out;
  for (const auto& e : list) {
    session::Series o;
    o.name = std_of(e.name);
    o.points = points_of(e.points);
    if (e.band) {
      o.upper = points_of(e.upper);
      o.lower = points_of(e.lower);
    }
    o.pinned_overlay = e.dashed;
    o.legend = e.legend;
    out.push_back(std::move(o));
  }
  return out;
}

QList<ChartView::Series> qseries(const std::vector<session::Series>& list) {
  QList<ChartView::Series> out;
  for (const auto& o : list) {
    ChartView::Series e;
    e.name = q_of(o.name);
    e.points = qpoints(o.points);
    e.band = o.upper.has_value();  // the reader checked that lower comes with it
    if (e.band) {
      e.upper = qpoints(*o.upper);
      e.lower = qpoints(*o.lower);
    }
    e.dashed = o.pinned_overlay;
    e.legend = o.legend;
    out << e;
  }
  return out;
}

session::Chart chart_of(const ChartView::Content& c) {
  session::Chart j;
  j.title = std_of(c.title);
  if (!c.provenance.isEmpty()) j.provenance = std_of(c.provenance);
  j.x_title = std_of(c.x_title);
  j.y_title = std_of(c.y_title);
  j.log_x = c.log_x;
  j.log_y = c.log_y;
  j.series = series_of(c.series);
  if (c.has_reference) j.reference = session::HorizontalLine{std_of(c.reference_name), c.reference_y};
  if (c.has_vreference)
    j.vertical_reference = session::VerticalLine{std_of(c.vreference_name), c.vreference_x};
  return j;
}

ChartView::Content content_of(const session::Chart& j) {
  ChartView::Content c;
  c.title = q_of(j.title);
  c.provenance = q_of(j.provenance.value_or(std::string()));
  c.x_title = q_of(j.x_title);
  c.y_title = q_of(j.y_title);
  c.log_x = j.log_x;
  c.log_y = j.log_y;
  c.series = qseries(j.series);
  if (j.reference) {
    c.has_reference = true;
    c.reference_name = q_of(j.reference->name);
    c.reference_y = j.reference->y;
  }
  if (j.vertical_reference) {
    c.has_vreference = true;
    c.vreference_name = q_of(j.vertical_reference->name);
    c.vreference_x = j.vertical_reference->x;
  }
  return c;
}

session::Table table_of(const QTableWidget* t) {
  session::Table j;
  for (int c = 0; c < t->columnCount(); ++c)
    j.columns.push_back(t->horizontalHeaderItem(c) ? std_of(t->horizontalHeaderItem(c)->text()) : "");
  for (int r = 0; r < t->rowCount(); ++r) {
    std::vector<std::string> row;
    for (int c = 0; c < t->columnCount(); ++c)
      row.push_back(t->item(r, c) ? std_of(t->item(r, c)->text()) : "");
    j.rows.push_back(std::move(row));
  }
  return j;
}

void set_table(QTableWidget* t, const session::Table& j) {
  t->setRowCount(static_cast<int>(j.rows.size()));
  for (int r = 0; r < t->rowCount(); ++r) {
    const auto& row = j.rows[size_t(r)];
    for (int c = 0; c < t->columnCount() && c < static_cast<int>(row.size()); ++c)
      t->setItem(r, c, new QTableWidgetItem(q_of(row[size_t(c)])));
  }
}

namespace {

// A panel's own settings: by the widget's name (every input of the tabs has one; test_sessions checks it),
// and for the first files, which keyed them by widget kind and position in the panel, by position.
bool own_editor(const QLineEdit* w) {  // a spin box's or combo box's own line edit
  return qobject_cast<QAbstractSpinBox*>(w->parentWidget()) || qobject_cast<QComboBox*>(w->parentWidget());
}
template <class W, class F>
void each_input(QWidget* root, F f) {
  int i = 0;  // the position among every input of its kind, named or not (as the first files counted)
  for (W* w : root->findChildren<W*>()) {
    if (w->property("notInSession").toBool()) continue;  // depends on what is open (the Runs tab's runs)
    if constexpr (std::is_same_v<W, QLineEdit>)
      if (own_editor(w)) continue;
    f(w, i++);
  }
}
template <class T>
const T* value_at(const std::vector<std::pair<int, T>>& entries, int index) {
  for (const auto& [i, v] : entries)
    if (i == index) return &v;
  return nullptr;
}
std::vector<bool> checked_rows(const QListWidget* w) {
  std::vector<bool> checked;
  for (int r = 0; r < w->count(); ++r) checked.push_back(w->item(r)->checkState() == Qt::Checked);
  return checked;
}
void set_checked_rows(QListWidget* w, const std::vector<bool>& v) {
  for (int r = 0; r < w->count() && r < static_cast<int>(v.size()); ++r)
    w->item(r)->setCheckState(v[size_t(r)] ? Qt::Checked : Qt::Unchecked);
}

// A named widget's value, or a positional entry for an unnamed one.
template <class W, class T>
void keep(session::PanelInputs& p, std::vector<std::pair<int, T>>& positional, W* w, int i, T value) {
  if (w->objectName().isEmpty())
    positional.emplace_back(i, std::move(value));
  else
    p.named.emplace_back(std_of(w->objectName()), Json(std::move(value)));
}

}  // namespace

session::PanelInputs inputs_of(QWidget* root) {
  session::PanelInputs p;
  each_input<QSpinBox>(root, [&](QSpinBox* w, int i) { keep(p, p.spin, w, i, w->value()); });
  each_input<QDoubleSpinBox>(root, [&](QDoubleSpinBox* w, int i) { keep(p, p.number, w, i, w->value()); });
  each_input<QComboBox>(root, [&](QComboBox* w, int i) { keep(p, p.combo, w, i, std_of(w->currentText())); });
  each_input<QCheckBox>(root, [&](QCheckBox* w, int i) { keep(p, p.check, w, i, w->isChecked()); });
  each_input<QLineEdit>(root, [&](QLineEdit* w, int i) { keep(p, p.line, w, i, std_of(w->text())); });
  each_input<QListWidget>(root, [&](QListWidget* w, int i) { keep(p, p.list, w, i, checked_rows(w)); });
  return p;
}

namespace {

const Json* named_value(const session::PanelInputs& p, const QWidget* w) {
  if (w->objectName().isEmpty()) return nullptr;
  const std::string name = std_of(w->objectName());
  for (const auto& [n, v] : p.named)
    if (n == name) return &v;
  return nullptr;
}

}  // namespace

namespace {
// What a widget takes, when `v` is not that ("an integer" for a spin box, …); null when `v` fits.
const char* wanted_kind(QWidget* w, const Json& v) {
  if (qobject_cast<QSpinBox*>(w))
    return v.is_number_integer() && v.get<double>() >= INT_MIN && v.get<double>() <= INT_MAX ? nullptr
                                                                                             : "an integer";
  if (qobject_cast<QDoubleSpinBox*>(w)) return v.is_number() ? nullptr : "a number";
  if (qobject_cast<QComboBox*>(w) || qobject_cast<QLineEdit*>(w)) return v.is_string() ? nullptr : "a string";
  if (qobject_cast<QCheckBox*>(w)) return v.is_boolean() ? nullptr : "true or false";
  if (qobject_cast<QListWidget*>(w)) return v.is_array() ? nullptr : "a list of true/false";
  return nullptr;  // not an input (a label that shares the name): nothing is set on it
}
}  // namespace

// Whether a named setting fits its widget's kind; "" or the problem, naming the setting (`where`: its tab).
QString misfit(const session::PanelInputs& p, QWidget* root, const QString& where) {
  for (const auto& [name, value] : p.named) {
    QWidget* w = root->findChild<QWidget*>(q_of(name));
    if (const char* want = w ? wanted_kind(w, value) : nullptr)
      return where + "." + q_of(name) + " must be " + want;
  }
  return {};
}

void set_inputs(QWidget* root, const session::PanelInputs& p) {
  each_input<QSpinBox>(root, [&](QSpinBox* w, int i) {
    const QSignalBlocker b(w);
    if (const Json* v = named_value(p, w))
      w->setValue(v->get<int>());
    else if (const int* x = value_at(p.spin, i))
      w->setValue(*x);
  });
  each_input<QDoubleSpinBox>(root, [&](QDoubleSpinBox* w, int i) {
    const QSignalBlocker b(w);
    if (const Json* v = named_value(p, w))
      w->setValue(v->get<double>());
    else if (const double* x = value_at(p.number, i))
      w->setValue(*x);
  });
  each_input<QComboBox>(root, [&](QComboBox* w, int i) {
    const QSignalBlocker b(w);
    if (const Json* v = named_value(p, w))
      w->setCurrentText(q_of(v->get<std::string>()));
    else if (const std::string* x = value_at(p.combo, i))
      w->setCurrentText(q_of(*x));
  });
  each_input<QCheckBox>(root, [&](QCheckBox* w, int i) {
    const QSignalBlocker b(w);
    if (const Json* v = named_value(p, w))
      w->setChecked(v->get<bool>());
    else if (const bool* x = value_at(p.check, i))
      w->setChecked(*x);
  });
  each_input<QLineEdit>(root, [&](QLineEdit* w, int i) {
    const QSignalBlocker b(w);
    if (const Json* v = named_value(p, w))
      w->setText(q_of(v->get<std::string>()));
    else if (const std::string* x = value_at(p.line, i))
      w->setText(q_of(*x));
  });
  each_input<QListWidget>(root, [&](QListWidget* w, int i) {
    const QSignalBlocker b(w);
    if (const Json* v = named_value(p, w))
      set_checked_rows(w, v->get<std::vector<bool>>());
    else if (const std::vector<bool>* x = value_at(p.list, i))
      set_checked_rows(w, *x);
  });
}

// The file path inside a model spec (a .pt file) or a data spec (csv:PATH, npy:, npz:, images:), or "".
QString file_of_model(const QString& model) {
  return model.endsWith(".pt") || model.endsWith(".pth") ? model : QString();
}

QString file_of_data(const QString& data) {
  for (const char* kind : {"csv:", "npy:", "npz:", "images:"})
    if (data.startsWith(kind)) return data.mid(int(strlen(kind))).section(',', 0, 0);
  return {};
}

std::vector<session::Run> runs_of(const RunLog& log) {
  std::vector<session::Run> rows;
  const QList<int> pinned = log.pinnedRows();
  for (int r = 0; r < log.runs(); ++r) {
    session::Run run;
    run.time = std_of(log.item(r, 0)->text());
    run.config = log.config(r);
    run.seconds = log.item(r, 3)->text().toDouble();
    run.summary = std_of(log.item(r, 4)->text());
    run.pinned = pinned.contains(r);
    run.curves = session::RunCurves{series_of(log.curves(r).convergence), series_of(log.curves(r).speed)};
    if (log.kind(r) != "compare") {
      run.kind = std_of(log.kind(r));
      run.settings = std_of(log.settings(r));
    }
    rows.push_back(std::move(run));
  }
  return rows;
}

void show_runs(RunLog& log, const std::vector<session::Run>& rows) {
  log.reset();
  for (const session::Run& run : rows) {
    RunLog::Curves curves;
    if (run.curves) {
      curves.convergence = qseries(run.curves->convergence);
      curves.speed = qseries(run.curves->speed);
    }
    log.add(run.config, run.seconds, q_of(run.summary), q_of(run.time), curves, run.pinned,
            q_of(run.kind.value_or("compare")), q_of(run.settings.value_or(std::string())));
  }
}

}  // namespace ts::ui
