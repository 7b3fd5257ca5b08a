// Sessions (docs/FORMATS.md "Sessions"): the form, every chart, heat map, table and result label, the run log
// with each run's configuration and the last comparison's full result, in one versioned JSON file. Opening
// one shows exactly what was saved, without recomputing. Autosave writes the same file to the app's data
// folder; it is removed at a clean exit, so finding it at launch means the last session ended in a crash.
#include <QAbstractButton>
#include <QCheckBox>
#include <QComboBox>
#include <QDateTime>
#include <QDir>
#include <QDoubleSpinBox>
#include <QFile>
#include <QFileInfo>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMenu>
#include <QSettings>
#include <QSlider>
#include <QSpinBox>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTabWidget>
#include <QTableWidget>
#include <QTimer>

#include <algorithm>
#include <climits>
#include <fstream>

#include "AlPanel.h"
#include "ChartView.h"
#include "HeatMap.h"
#include "LayersPanel.h"
#include "MainWindow.h"
#include "PntkPanel.h"
#include "ProblemPanel.h"
#include "RunLog.h"
#include "TrainingPanel.h"
#include "core/Errors.h"
#include "core/Json.h"
#include "io/OutputFiles.h"
#include "jobs/CompareJob.h"
#include "results/ResultJson.h"
#include "session/SessionFile.h"

namespace ts::ui {

namespace {

std::string s(const QString& q) { return q.toStdString(); }
QString q(const std::string& s) { return QString::fromStdString(s); }

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

std::vector<session::Series> series_of(const QList<ChartView::Series>& list) {
  std::vector<session::Series> out;
  for (const auto& e : list) {
    session::Series o;
    o.name = s(e.name);
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
    e.name = q(o.name);
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
  j.title = s(c.title);
  j.x_title = s(c.x_title);
  j.y_title = s(c.y_title);
  j.log_x = c.log_x;
  j.log_y = c.log_y;
  j.series = series_of(c.series);
  if (c.has_reference) j.reference = session::HorizontalLine{s(c.reference_name), c.reference_y};
  if (c.has_vreference) j.vertical_reference = session::VerticalLine{s(c.vreference_name), c.vreference_x};
  return j;
}
ChartView::Content content_of(const session::Chart& j) {
  ChartView::Content c;
  c.title = q(j.title);
  c.x_title = q(j.x_title);
  c.y_title = q(j.y_title);
  c.log_x = j.log_x;
  c.log_y = j.log_y;
  c.series = qseries(j.series);
  if (j.reference) {
    c.has_reference = true;
    c.reference_name = q(j.reference->name);
    c.reference_y = j.reference->y;
  }
  if (j.vertical_reference) {
    c.has_vreference = true;
    c.vreference_name = q(j.vertical_reference->name);
    c.vreference_x = j.vertical_reference->x;
  }
  return c;
}

session::Table table_of(const QTableWidget* t) {
  session::Table j;
  for (int c = 0; c < t->columnCount(); ++c)
    j.columns.push_back(t->horizontalHeaderItem(c) ? s(t->horizontalHeaderItem(c)->text()) : "");
  for (int r = 0; r < t->rowCount(); ++r) {
    std::vector<std::string> row;
    for (int c = 0; c < t->columnCount(); ++c) row.push_back(t->item(r, c) ? s(t->item(r, c)->text()) : "");
    j.rows.push_back(std::move(row));
  }
  return j;
}
void set_table(QTableWidget* t, const session::Table& j) {
  t->setRowCount(static_cast<int>(j.rows.size()));
  for (int r = 0; r < t->rowCount(); ++r) {
    const auto& row = j.rows[size_t(r)];
    for (int c = 0; c < t->columnCount() && c < static_cast<int>(row.size()); ++c)
      t->setItem(r, c, new QTableWidgetItem(q(row[size_t(c)])));
  }
}

// A panel's own settings: by the widget's name (every input of the tabs has one; test_sessions checks it),
// and for the first files, which keyed them by widget kind and position in the panel, by position.
bool own_editor(const QLineEdit* w) {  // a spin box's or combo box's own line edit
  return qobject_cast<QAbstractSpinBox*>(w->parentWidget()) || qobject_cast<QComboBox*>(w->parentWidget());
}
template <class W, class F>
void each_input(QWidget* root, F f) {
  int i = 0;  // the position among every input of its kind, named or not (as the first files counted)
  for (W* w : root->findChildren<W*>()) {
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
    p.named.emplace_back(s(w->objectName()), Json(std::move(value)));
}

session::PanelInputs inputs_of(QWidget* root) {
  session::PanelInputs p;
  each_input<QSpinBox>(root, [&](QSpinBox* w, int i) { keep(p, p.spin, w, i, w->value()); });
  each_input<QDoubleSpinBox>(root, [&](QDoubleSpinBox* w, int i) { keep(p, p.number, w, i, w->value()); });
  each_input<QComboBox>(root, [&](QComboBox* w, int i) { keep(p, p.combo, w, i, s(w->currentText())); });
  each_input<QCheckBox>(root, [&](QCheckBox* w, int i) { keep(p, p.check, w, i, w->isChecked()); });
  each_input<QLineEdit>(root, [&](QLineEdit* w, int i) { keep(p, p.line, w, i, s(w->text())); });
  each_input<QListWidget>(root, [&](QListWidget* w, int i) { keep(p, p.list, w, i, checked_rows(w)); });
  return p;
}

const Json* named_value(const session::PanelInputs& p, const QWidget* w) {
  if (w->objectName().isEmpty()) return nullptr;
  const std::string name = s(w->objectName());
  for (const auto& [n, v] : p.named)
    if (n == name) return &v;
  return nullptr;
}

// Whether a named setting fits its widget's kind; "" or the problem, naming the setting (`where`: its tab).
QString misfit(const session::PanelInputs& p, QWidget* root, const QString& where) {
  QString problem;
  auto check = [&](QWidget* w, bool ok, const char* want) {
    if (problem.isEmpty() && named_value(p, w) && !ok)
      problem = where + "." + w->objectName() + " must be " + want;
  };
  each_input<QSpinBox>(root, [&](QSpinBox* w, int) {
    const Json* v = named_value(p, w);
    check(w, v && v->is_number_integer() && v->get<double>() >= INT_MIN && v->get<double>() <= INT_MAX,
          "an integer");
  });
  each_input<QDoubleSpinBox>(root, [&](QDoubleSpinBox* w, int) {
    const Json* v = named_value(p, w);
    check(w, v && v->is_number(), "a number");
  });
  each_input<QComboBox>(root, [&](QComboBox* w, int) {
    const Json* v = named_value(p, w);
    check(w, v && v->is_string(), "a string");
  });
  each_input<QLineEdit>(root, [&](QLineEdit* w, int) {
    const Json* v = named_value(p, w);
    check(w, v && v->is_string(), "a string");
  });
  each_input<QCheckBox>(root, [&](QCheckBox* w, int) {
    const Json* v = named_value(p, w);
    check(w, v && v->is_boolean(), "true or false");
  });
  each_input<QListWidget>(root, [&](QListWidget* w, int) {
    const Json* v = named_value(p, w);
    check(w, v && v->is_array(), "a list of true/false");
  });
  return problem;
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
      w->setCurrentText(q(v->get<std::string>()));
    else if (const std::string* x = value_at(p.combo, i))
      w->setCurrentText(q(*x));
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
      w->setText(q(v->get<std::string>()));
    else if (const std::string* x = value_at(p.line, i))
      w->setText(q(*x));
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

}  // namespace

std::string MainWindow::sessionText() const {
  session::Session j;
  j.app = std::string("TangentScope ") + TS_VERSION;
  j.saved = s(QDateTime::currentDateTime().toString(Qt::ISODate));
  session::Form& form = j.form;
  form.model = s(problem_->model());
  form.data = s(problem_->data());
  form.input_shape = s(problem_->inputShape());
  form.output = s(problem_->output());
  form.params = s(problem_->params());
  for (const auto& m : checkedMethods()) form.methods.push_back(s(m));
  form.matvecs = matvecs_->value();
  form.seed = seed_->value();
  form.dtype = s(dtype_->currentText());
  form.device = s(device_->currentText());
  form.exact = exact_->isChecked();
  form.tol = tol_->value();
  form.repeats = repeats_->value();
  form.threads = threads_->value();
  form.data_n = problem_->dataN();
  form.epochs = training_->epochs();
  form.learning_rate = s(training_->learningRate());
  form.exact_per_snapshot = training_->exactPerSnapshot();
  form.memory_budget = memory_budget_;
  j.panels = session::Panels{inputs_of(pntk_), inputs_of(al_), inputs_of(layers_)};
  j.view = session::View{tabs_->currentIndex(), s(theme_)};
  for (const ChartView* c : findChildren<ChartView*>()) j.charts.push_back(chart_of(c->content()));
  for (const HeatMap* h : findChildren<HeatMap*>()) {
    session::HeatMap m;
    m.title = s(h->title());
    m.size = h->matrixSize();
    m.values.assign(h->values().begin(), h->values().end());
    m.boundaries.assign(h->boundaries().begin(), h->boundaries().end());
    m.note = s(h->note());
    j.heat_maps.push_back(std::move(m));
  }
  const LayersPanel::Bars bars = layers_->bars();
  session::LayerBars& b = j.layer_bars.emplace();
  for (const auto& n : bars.names) b.names.push_back(s(n));
  b.shares.assign(bars.shares.begin(), bars.shares.end());
  b.axis_title = s(bars.axis_title);
  j.al_gallery = session::Gallery{s(al_->galleryStrategy()), al_->galleryCycles()};
  for (const QTableWidget* t : findChildren<QTableWidget*>())
    if (t != run_log_ && t != pins_table_) j.tables.push_back(table_of(t));
  for (auto& [name, slot] : session::label_slots(j.labels))
    if (auto* l = findChild<QLabel*>(name)) *slot = s(l->text());
  const QList<int> pinned = run_log_->pinnedRows();
  for (int r = 0; r < run_log_->runs(); ++r) {
    session::Run run;
    run.time = s(run_log_->item(r, 0)->text());
    run.config = run_log_->config(r);
    run.seconds = run_log_->item(r, 3)->text().toDouble();
    run.summary = s(run_log_->item(r, 4)->text());
    run.pinned = pinned.contains(r);
    run.curves =
        session::RunCurves{series_of(run_log_->curves(r).convergence), series_of(run_log_->curves(r).speed)};
    j.run_log.push_back(std::move(run));
  }
  if (const CompareResult* r = lastCompare())
    j.result = session::SavedResult{to_json(*r)};
  else if (!restored_result_.empty())
    j.result = session::SavedResult{parse_json(restored_result_, "the session's result")};
  return session::session_text(j);
}

QString MainWindow::saveSession(const QString& path) {
  try {
    write_text_file(s(path), sessionText());
  } catch (const ts::Error& e) {
    return QString::fromUtf8(e.what());
  }
  session_path_ = path;
  dirty_ = false;
  rememberSession(path);
  setWindowTitle("TangentScope — " + QFileInfo(path).fileName());
  statusBar()->showMessage("Session saved: " + path);
  return {};
}

QString MainWindow::openSession(const QString& path) {
  // A session is read whole: refuse what is not a file, or is larger than any session, before reading.
  const QFileInfo info(path);
  if (info.exists() && !info.isFile()) return "session '" + path + "' is not a regular file";
  if (info.size() > qint64(session::kMaxBytes))
    return QString("session '%1' is %2 bytes, more than the %3 MiB a session may hold")
        .arg(path)
        .arg(info.size())
        .arg(qint64(session::kMaxBytes >> 20));
  // Read in one piece at its size (a string stream took 0.45 s of the 1.4 s a 60 MB session needed).
  std::ifstream in(s(path), std::ios::binary | std::ios::ate);
  if (!in) return "cannot open the session file '" + path + "'";
  std::string text(size_t(std::max<std::streamoff>(0, in.tellg())), '\0');
  in.seekg(0);
  if (!in.read(text.data(), std::streamsize(text.size())))
    return "cannot read the session file '" + path + "'";
  const QString err = applySessionText(text, path);
  if (!err.isEmpty()) return err;
  session_path_ = path;
  dirty_ = false;
  rememberSession(path);
  setWindowTitle("TangentScope — " + QFileInfo(path).fileName());
  return {};
}

QString MainWindow::applySessionText(const std::string& text, const QString& path) {
  // Everything is read and checked before anything is shown: a damaged file changes nothing.
  session::Session file;
  try {
    const session::WindowShape window{size_t(findChildren<ChartView*>().size()),
                                      size_t(findChildren<QTableWidget*>().size() - 2),  // not the run log's
                                      size_t(findChildren<HeatMap*>().size())};
    file = session::read_session(text, "session '" + s(path) + "'", window);
  } catch (const ts::Error& e) {
    return QString::fromUtf8(e.what());
  }
  if (file.panels) {  // each named setting must fit its widget, before any is set
    const std::pair<QWidget*, const std::optional<session::PanelInputs>*> tabs[] = {
        {pntk_, &file.panels->pntk}, {al_, &file.panels->active_learning}, {layers_, &file.panels->layers}};
    const char* names[] = {"pntk", "active_learning", "layers"};
    for (int t = 0; t < 3; ++t) {
      if (!*tabs[t].second) continue;
      const QString problem = misfit(**tabs[t].second, tabs[t].first, QString("panels.") + names[t]);
      if (!problem.isEmpty()) return "session '" + path + "': " + problem;
    }
  }

  try {
    applyForm(file.form);
    if (file.panels) {
      if (file.panels->pntk) set_inputs(pntk_, *file.panels->pntk);
      if (file.panels->active_learning) set_inputs(al_, *file.panels->active_learning);
      if (file.panels->layers) set_inputs(layers_, *file.panels->layers);
    }
    applyShown(file);
  } catch (const std::exception& e) {
    return "session '" + path + "': " + QString::fromUtf8(e.what());
  }
  updateCost();
  statusBar()->showMessage("Session opened: " + path);
  Q_EMIT sessionOpened(path);
  return {};
}

// The control panel and the Training tab's settings; a model or data file that moved is located first.
void MainWindow::applyForm(const session::Form& form) {
  QString model = q(form.model), data = q(form.data);
  // A model or data file that moved: say so, and let the user point to it.
  const QString model_file = file_of_model(model), data_file = file_of_data(data);
  if (!model_file.isEmpty() && !QFileInfo::exists(model_file)) {
    const QString found = locate_prompt_ ? locate_prompt_(model_file) : QString();
    if (!found.isEmpty()) model = found;
    statusBar()->showMessage(found.isEmpty() ? "The session's model file is missing: " + model_file
                                             : "Model file moved: now " + found);
  }
  if (!data_file.isEmpty() && !QFileInfo::exists(data_file)) {
    const QString found = locate_prompt_ ? locate_prompt_(data_file) : QString();
    if (!found.isEmpty()) data.replace(data.indexOf(data_file), data_file.size(), found);
  }
  const QSignalBlocker b1(slider_), b2(matvecs_), b4(methods_);
  if (form.data_n) problem_->setDataN(*form.data_n);
  setProblem(model, data, q(form.input_shape));
  problem_->setOutput(q(form.output));
  problem_->setParams(q(form.params));
  QStringList methods;
  for (const auto& m : form.methods) methods << q(m);
  setMethods(methods);
  applyBudgetMinimum();  // a budget below it (an older session) becomes the smallest calibrated one
  slider_->setValue(form.matvecs);
  matvecs_->setValue(form.matvecs);
  seed_->setValue(form.seed);
  dtype_->setCurrentText(q(form.dtype));
  device_->setCurrentText(q(form.device));
  exact_->setChecked(form.exact);
  tol_->setValue(form.tol);
  repeats_->setValue(form.repeats);
  threads_->setValue(form.threads);
  if (form.epochs) training_->setEpochs(*form.epochs);
  if (form.learning_rate) training_->setLearningRate(q(*form.learning_rate));
  if (form.exact_per_snapshot) training_->setExactPerSnapshot(*form.exact_per_snapshot);
  if (form.memory_budget) memory_budget_ = *form.memory_budget;
}

// What the session shows: charts, heat maps, the layer bars, the gallery, tables, labels, the run log, the
// last result and the view.
void MainWindow::applyShown(session::Session& file) {
  const auto chart_views = findChildren<ChartView*>();
  for (int i = 0; i < chart_views.size(); ++i) chart_views[i]->setContent(content_of(file.charts[size_t(i)]));
  const auto maps = findChildren<HeatMap*>();
  for (int i = 0; i < maps.size(); ++i) {
    const session::HeatMap& m = file.heat_maps[size_t(i)];
    if (m.size == 0)
      maps[i]->clear();
    else
      maps[i]->setMatrix(int(m.size), QList<double>(m.values.begin(), m.values.end()),
                         QList<double>(m.boundaries.begin(), m.boundaries.end()), q(m.note));
  }
  if (file.layer_bars) {
    LayersPanel::Bars bars;
    for (const auto& n : file.layer_bars->names) bars.names << q(n);
    bars.shares = QList<double>(file.layer_bars->shares.begin(), file.layer_bars->shares.end());
    bars.axis_title = q(file.layer_bars->axis_title);
    layers_->setBars(bars);
  }
  al_->restoreGallery(file.al_gallery ? file.al_gallery->cycles : std::vector<AlCycle>{},
                      file.al_gallery ? q(file.al_gallery->strategy) : QString());
  size_t t = 0;
  for (QTableWidget* table : findChildren<QTableWidget*>())
    if (table != run_log_ && table != pins_table_) set_table(table, file.tables[t++]);
  for (auto& [name, slot] : session::label_slots(file.labels))
    if (auto* l = findChild<QLabel*>(name); l && slot->has_value()) l->setText(q(**slot));
  run_log_->reset();
  for (const session::Run& run : file.run_log) {
    RunLog::Curves curves;
    if (run.curves) {
      curves.convergence = qseries(run.curves->convergence);
      curves.speed = qseries(run.curves->speed);
    }
    run_log_->add(run.config, run.seconds, q(run.summary), q(run.time), curves, run.pinned);
  }
  updatePinTable();
  last_compare_.reset();
  restored_result_ = file.result ? json_text(file.result->json) : std::string();
  if (file.view) {
    tabs_->setCurrentIndex(file.view->tab.value_or(0));
    setTheme(file.view->theme ? q(*file.view->theme) : theme_);
  }
}

void MainWindow::newSession() {
  for (ChartView* c : findChildren<ChartView*>()) {
    ChartView::Content empty = c->content();
    empty.series.clear();
    empty.has_reference = empty.has_vreference = false;
    c->setContent(empty);
  }
  for (HeatMap* h : findChildren<HeatMap*>()) h->clear();
  layers_->setBars({});
  al_->restoreGallery({}, {});
  for (QTableWidget* t : findChildren<QTableWidget*>())
    if (t != run_log_) t->setRowCount(0);
  run_log_->reset();
  last_compare_.reset();
  restored_result_.clear();
  result_->setText("tr K = …");
  details_->clear();
  session_path_.clear();
  dirty_ = false;
  setWindowTitle("TangentScope");
  statusBar()->showMessage("New session");
}

QString MainWindow::autosavePath() const {
  return QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) + "/autosave.tsession";
}

void MainWindow::autosaveNow() {
  if (!dirty_) return;
  QDir().mkpath(QFileInfo(autosavePath()).path());
  try {
    write_text_file(s(autosavePath()), sessionText());
    dirty_ = false;
  } catch (const ts::Error& e) {
    statusBar()->showMessage("Autosave failed: " + QString::fromUtf8(e.what()));
  }
}

bool MainWindow::offerRecovery() {
  const QString path = autosavePath();
  if (!QFileInfo::exists(path)) return false;
  const bool yes = recover_prompt_ ? recover_prompt_(path) : false;
  if (!yes) {
    QFile::remove(path);
    return false;
  }
  const QString err = openSession(path);
  session_path_.clear();  // recovered, not yet saved anywhere by the user
  setWindowTitle("TangentScope — recovered session");
  if (!err.isEmpty()) {
    statusBar()->showMessage("Cannot recover the last session: " + err);
    return false;
  }
  dirty_ = true;
  return true;
}

void MainWindow::rememberSession(const QString& path) {
  if (path == autosavePath()) return;
  recent_sessions_.removeAll(path);
  recent_sessions_.prepend(path);
  while (recent_sessions_.size() > 8) recent_sessions_.removeLast();
  if (persist_) QSettings().setValue("recent_sessions", recent_sessions_);
  rebuildRecentSessions();
}

void MainWindow::rebuildRecentSessions() {
  if (!recent_sessions_menu_) return;
  recent_sessions_menu_->clear();
  for (const auto& path : recent_sessions_)
    recent_sessions_menu_->addAction(path, this, [this, path] {
      const QString err = openSession(path);
      if (!err.isEmpty()) Q_EMIT failureShown(err);
    });
  recent_sessions_menu_->setEnabled(!recent_sessions_.isEmpty());
}

}  // namespace ts::ui
