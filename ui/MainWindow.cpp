#include "MainWindow.h"

#include <QCheckBox>
#include <QDateTime>
#include <QDoubleSpinBox>
#include <QDockWidget>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QMimeData>
#include <QComboBox>
#include <QFileDialog>
#include <QFutureWatcher>
#include <QImage>
#include <QPixmap>
#include <QtConcurrent/QtConcurrentRun>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMenuBar>
#include <QMessageBox>
#include <QProgressBar>
#include <QPushButton>
#include <QSettings>
#include <QSlider>
#include <QSpinBox>
#include <QScrollArea>
#include <QSplitter>
#include <QStandardItemModel>
#include <QStatusBar>
#include <QTableWidget>
#include <QTabWidget>
#include <QTimer>
#include <QVBoxLayout>

#include <cmath>

#include "ChartView.h"
#include "EngineClient.h"
#include "Errors.h"
#include "Jobs.h"
#include "OutputFiles.h"
#include "RunLog.h"

namespace ts::ui {

namespace {
const QStringList kMethods{"hutchpp", "xnystrace", "xtrace", "hutchinson", "rhutch", "fhutch"};
const QMap<QString, QString> kMethodTips{
    {"hutchpp", "Hutch++: exact trace of a sketched low-rank part plus Hutchinson on the rest (Meyer et al. 2021)"},
    {"xnystrace", "XNysTrace: single-pass exchangeable Nyström estimator for PSD kernels (Epperly, Tropp, Webber 2024)"},
    {"xtrace", "XTrace: two-pass exchangeable estimator; every test vector is a probe and builds the sketch"},
    {"hutchinson", "Hutchinson: mean of ‖Jᵀg‖² over random sign vectors g (VJPs only)"},
    {"rhutch", "RHutch: one-sided estimator of ‖J‖_F² from VJPs only (seed 003, Algorithm 2)"},
    {"fhutch", "FHutch: one-sided estimator of ‖J‖_F² from JVPs only; good when P ≪ d (seed 003, Algorithm 2)"}};
}  // namespace

MainWindow::MainWindow(QWidget* parent, bool persist)
    : QMainWindow(parent), engine_(new EngineClient(this)), persist_(persist), rerun_(new QTimer(this)) {
  setWindowTitle("TangentScope — the empirical NTK, matrix-free");

  // Control panel.
  auto* panel = new QWidget(this);
  auto* panel_layout = new QVBoxLayout(panel);
  auto* kernel_box = new QGroupBox("Kernel: model and data", panel);
  auto* kf = new QFormLayout(kernel_box);
  const ProblemSpec defaults;
  model_ = new QLineEdit(QString::fromStdString(defaults.model), kernel_box);
  model_->setToolTip("Built-in model spec (mlp:..., gru:..., cnn:...) or a TorchScript .pt path (docs/FORMATS.md)");
  data_ = new QLineEdit(QString::fromStdString(defaults.data), kernel_box);
  data_->setToolTip("digits, mnist, fashion-mnist, moons, spirals, blobs, sine, random:n=...,shape=..., or "
                    "csv:PATH[,label=last]; n=N takes a seeded stratified subset (the kernel's batch)");
  input_shape_ = new QLineEdit(kernel_box);
  input_shape_->setPlaceholderText("shape of one input, for .pt files (e.g. 15,10)");
  params_ = new QLineEdit("all", kernel_box);
  params_->setToolTip("The parameters the NTK is taken over: all, or name prefixes separated by ';' (e.g. w2;b2)");
  model_info_ = new QLabel("P and d appear after the first run", kernel_box);
  model_info_->setWordWrap(false);  // explicit lines: a wrapped label under-reports its height in a form
  model_info_->setToolTip("P: parameters the kernel is taken over; d: the state size N·outputs; the layers");
  data_kind_ = new QComboBox(kernel_box);
  data_kind_->addItems({"digits", "mnist", "fashion-mnist", "moons", "spirals", "blobs", "sine", "csv…"});
  data_kind_->setToolTip("The data set; MNIST and Fashion-MNIST need scripts/fetch-data mnist / fashion-mnist");
  data_n_ = new QSpinBox(kernel_box);
  data_n_->setRange(1, 100000);
  data_n_->setValue(100);
  data_n_->setPrefix("N = ");
  data_n_->setToolTip("Batch size N of the kernel: a seeded, stratified subset of the data set; d = N × outputs");
  auto* data_row = new QHBoxLayout;
  data_row->addWidget(data_kind_, 1);
  data_row->addWidget(data_n_);
  thumbs_ = new QWidget(kernel_box);
  auto* thumbs_layout = new QHBoxLayout(thumbs_);
  thumbs_layout->setContentsMargins(0, 0, 0, 0);
  thumbs_layout->setSpacing(3);
  data_info_ = new QLabel(kernel_box);
  data_info_->setWordWrap(true);
  preview_timer_ = new QTimer(this);
  preview_timer_->setSingleShot(true);
  preview_timer_->setInterval(300);
  // Build a built-in model from its parameters (writes the spec); the spec field stays editable for every key.
  model_kind_ = new QComboBox(kernel_box);
  model_kind_->addItems({"mlp", "cnn", "gru"});
  model_kind_->setToolTip("Built-in model: MLP, small CNN for images, or GRU (every hidden unit at every step)");
  model_width_ = new QSpinBox(kernel_box);
  model_width_->setRange(1, 8192);
  model_width_->setValue(256);
  model_width_->setPrefix("width ");
  model_width_->setToolTip("Hidden width (MLP), channels (CNN) or hidden units (GRU)");
  model_depth_ = new QSpinBox(kernel_box);
  model_depth_->setRange(1, 64);
  model_depth_->setValue(3);
  model_depth_->setPrefix("depth ");
  model_depth_->setToolTip("Number of linear layers (MLP only)");
  model_act_ = new QComboBox(kernel_box);
  model_act_->addItems({"relu", "tanh", "gelu", "erf", "sigmoid"});
  model_act_->setToolTip("Activation between layers");
  auto* model_row = new QHBoxLayout;
  model_row->addWidget(model_kind_);
  model_row->addWidget(model_width_);
  model_row->addWidget(model_depth_);
  model_row->addWidget(model_act_);
  for (auto* w : std::initializer_list<QWidget*>{model_kind_, model_act_})
    connect(qobject_cast<QComboBox*>(w), &QComboBox::activated, this, &MainWindow::updateModelSpec);
  connect(model_width_, qOverload<int>(&QSpinBox::valueChanged), this, &MainWindow::updateModelSpec);
  connect(model_depth_, qOverload<int>(&QSpinBox::valueChanged), this, &MainWindow::updateModelSpec);
  kf->addRow("Build", model_row);
  kf->addRow("Model", model_);
  kf->addRow("Data set", data_row);
  kf->addRow("Data spec", data_);
  kf->addRow("", thumbs_);
  kf->addRow("", data_info_);
  kf->addRow("Input shape", input_shape_);
  kf->addRow("Parameters", params_);
  kf->addRow("", model_info_);
  panel_layout->addWidget(kernel_box);

  auto* est_box = new QGroupBox("Estimators", panel);
  auto* ef = new QFormLayout(est_box);
  methods_ = new QListWidget(est_box);
  for (const auto& m : kMethods) {
    auto* item = new QListWidgetItem(m, methods_);
    item->setFlags(item->flags() | Qt::ItemIsUserCheckable);
    item->setCheckState(m == "hutchpp" || m == "xnystrace" || m == "hutchinson" ? Qt::Checked : Qt::Unchecked);
    item->setToolTip(kMethodTips.value(m));
  }
  methods_->setMinimumHeight(6 * methods_->sizeHintForRow(0) + 2 * methods_->frameWidth());
  methods_->setMaximumHeight(methods_->minimumHeight());
  methods_->setToolTip("Tick the estimators to compare; each gets its own series in every chart");
  slider_ = new QSlider(Qt::Horizontal, est_box);
  slider_->setRange(4, 768);
  slider_->setValue(96);
  slider_->setToolTip("Matvec budget m: moving it re-runs the comparison and cancels the stale run");
  matvecs_ = new QSpinBox(est_box);
  matvecs_->setRange(4, 100000);
  matvecs_->setValue(96);
  matvecs_->setToolTip("Budget m: the number of test vectors (matrix-vector products) each estimator may use");
  auto* budget_row = new QHBoxLayout;
  budget_row->addWidget(slider_, 1);
  budget_row->addWidget(matvecs_);
  seed_ = new QSpinBox(est_box);
  seed_->setRange(0, 1000000);
  seed_->setToolTip("Seeds every random draw: the same seed gives the same numbers on the CPU");
  dtype_ = new QComboBox(est_box);
  dtype_->addItems({"float64", "float32"});
  device_ = new QComboBox(est_box);
  device_->addItems({"cpu", "cuda"});
  if (!cuda_available()) {  // offered only where this LibTorch sees a GPU
    auto* model = qobject_cast<QStandardItemModel*>(device_->model());
    if (model) model->item(1)->setEnabled(false);
    device_->setItemData(1, "no CUDA device is visible to this LibTorch", Qt::ToolTipRole);
  }
  tol_ = new QDoubleSpinBox(est_box);
  tol_->setDecimals(5);
  tol_->setRange(0, 0.5);
  tol_->setSingleStep(0.001);
  tol_->setSpecialValueText("off (fixed budget)");
  tol_->setToolTip("Adaptive run: double m until std error / estimate ≤ tolerance (cap 16 m); 0 runs the fixed budget");
  repeats_ = new QSpinBox(est_box);
  repeats_->setRange(1, 50);
  repeats_->setToolTip("Seeds per budget in the speed–accuracy sweep");
  threads_ = new QSpinBox(est_box);
  threads_->setRange(0, 64);
  threads_->setSpecialValueText("default");
  threads_->setToolTip("LibTorch intra-op threads (small models run fastest on one; docs/PERFORMANCE.md)");
  cost_ = new QLabel(est_box);
  cost_->setWordWrap(true);
  cost_->setToolTip("VJPs and JVPs each method will spend, and the time they took per product on the last run");
  exact_ = new QCheckBox("exact trace (for errors and the speed–accuracy chart)", est_box);
  exact_->setChecked(true);
  exact_->setToolTip("tr K = Σ‖Jᵀeᵢ‖² by the cheaper of d VJPs and P JVPs");
  ef->addRow("Methods", methods_);
  ef->addRow("Budget m", budget_row);
  ef->addRow("Seed", seed_);
  ef->addRow("Precision", dtype_);
  ef->addRow("Device", device_);
  ef->addRow("", exact_);
  ef->addRow("Tolerance", tol_);
  ef->addRow("Sweep repeats", repeats_);
  ef->addRow("Threads", threads_);
  ef->addRow("Cost", cost_);
  panel_layout->addWidget(est_box);

  auto* buttons = new QHBoxLayout;
  run_ = new QPushButton("Run", panel);
  cancel_ = new QPushButton("Cancel", panel);
  cancel_->setEnabled(false);
  buttons->addWidget(run_);
  result_ = new QLabel("tr K = …", panel);
  QFont big = result_->font();
  big.setPointSize(big.pointSize() + 6);
  result_->setFont(big);
  result_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  result_->setToolTip("tr K: the trace of the empirical NTK K = J Jᵀ, the sum of its eigenvalues");
  details_ = new QLabel(panel);
  details_->setWordWrap(true);
  details_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  panel_layout->addStretch();

  // Charts.
  tabs_ = new QTabWidget(this);
  convergence_ = new ChartView("Convergence of tr K", "matvecs", "tr K estimate", tabs_);
  convergence_->setToolTip("Running estimate after each test vector, ±2 standard errors where the method has an "
                           "error estimate; dashed: the exact value. Drag to zoom, right-click to reset.");
  speed_ = new ChartView("Speed against accuracy", "wall time (s)", "relative error", tabs_);
  speed_->setLogX(true);
  speed_->setLogY(true);
  speed_->setToolTip("|estimate − exact| / exact against seconds, one point per budget (m/8 … m); dashed: the "
                     "exact method's time (seed 003, Figures 1–2)");
  spectrum_ = new ChartView("Spectrum of the exact kernel", "eigenvalue index", "eigenvalue", tabs_);
  spectrum_->setLogY(true);
  spectrum_->setToolTip("Eigenvalues of K (or of JᵀJ when P < d) in decreasing order; needs the exact kernel");
  auto* spectrum_page = new QWidget(tabs_);
  auto* sp = new QVBoxLayout(spectrum_page);
  auto* spectrum_button = new QPushButton("Compute the exact spectrum", spectrum_page);
  sp->addWidget(spectrum_, 1);
  sp->addWidget(spectrum_button, 0, Qt::AlignLeft);
  auto* metrics_page = new QWidget(tabs_);
  auto* mp = new QVBoxLayout(metrics_page);
  metrics_ = new QTableWidget(0, 6, metrics_page);
  metrics_->setHorizontalHeaderLabels({"metric", "value", "± std error", "exact", "relative error", "seconds"});
  metrics_->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
  metrics_->setToolTip("trace = tr K; Frobenius = ‖K‖_F = √tr(K²); effective rank = tr(K)²/tr(K²); "
                       "target alignment = yᵀKy/(‖K‖_F‖y‖²) for one-hot labels y");
  auto* metrics_button = new QPushButton("Compute metrics with the first method", metrics_page);
  mp->addWidget(metrics_, 1);
  mp->addWidget(metrics_button, 0, Qt::AlignLeft);
  auto* training_page = new QWidget(tabs_);
  auto* tp = new QVBoxLayout(training_page);
  dynamics_chart_ = new ChartView("NTK over training (relative to epoch 0)", "epoch", "value / value at epoch 0", training_page);
  dynamics_chart_->setToolTip("tr K_t, ‖K_t‖_F and r_eff(K_t) divided by their values at initialisation, cos(K_t, K₀) "
                              "and the kernel-target alignment likewise; ±2σ bands from the estimator's error");
  loss_chart_ = new ChartView("Loss and accuracy", "epoch", "loss / accuracy", training_page);
  auto* charts_row = new QHBoxLayout;
  charts_row->addWidget(dynamics_chart_, 1);
  charts_row->addWidget(loss_chart_, 1);
  auto* train_row = new QHBoxLayout;
  epochs_ = new QSpinBox(training_page);
  epochs_->setRange(1, 200);
  epochs_->setValue(5);
  epochs_->setPrefix("epochs: ");
  lr_ = new QComboBox(training_page);
  lr_->addItems({"1e-3", "3e-3", "1e-2", "3e-4"});
  lr_->setToolTip("Adam's learning rate");
  dynamics_exact_ = new QCheckBox("exact values per snapshot (slow for large d)", training_page);
  auto* train_button = new QPushButton("Train and track the NTK", training_page);
  train_button->setToolTip("Trains on a stratified 80% of the data with Adam (cross-entropy, batch 32), keeps θ after "
                           "every epoch, and estimates the NTK metrics on 50 held-out inputs at each snapshot");
  train_row->addWidget(epochs_);
  train_row->addWidget(lr_);
  train_row->addWidget(dynamics_exact_);
  train_row->addWidget(train_button);
  train_row->addStretch();
  tp->addLayout(charts_row, 1);
  tp->addLayout(train_row);
  connect(train_button, &QPushButton::clicked, this, &MainWindow::trainAndTrack);

  tabs_->addTab(convergence_, "Convergence");
  tabs_->addTab(speed_, "Speed vs accuracy");
  tabs_->addTab(spectrum_page, "Spectrum");
  tabs_->addTab(metrics_page, "Metrics");
  tabs_->addTab(training_page, "Training");

  // The panel scrolls rather than squeezing its widgets on a short screen.
  auto* scroll = new QScrollArea(this);
  scroll->setWidget(panel);
  scroll->setWidgetResizable(true);
  scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
  scroll->setMinimumWidth(panel->sizeHint().width() + 24);
  auto* right = new QWidget(this);
  auto* right_layout = new QVBoxLayout(right);
  right_layout->setContentsMargins(0, 0, 0, 0);
  auto* result_row = new QHBoxLayout;
  result_row->addWidget(result_, 0, Qt::AlignTop);
  result_row->addWidget(details_, 1);
  right_layout->addLayout(result_row);
  right_layout->addWidget(tabs_, 1);
  auto* left = new QWidget(this);  // Run and Cancel stay visible below the scrolling panel
  auto* left_layout = new QVBoxLayout(left);
  left_layout->setContentsMargins(0, 0, 0, 0);
  left_layout->addWidget(scroll, 1);
  left_layout->addLayout(buttons);
  auto* split = new QSplitter(this);
  split->addWidget(left);
  split->addWidget(right);
  split->setStretchFactor(1, 1);
  setCentralWidget(split);

  progress_ = new QProgressBar(this);
  progress_->setMaximumWidth(240);
  statusBar()->addPermanentWidget(progress_);
  cancel_->setToolTip("Stop the run in flight (within one VJP/JVP)");
  statusBar()->addPermanentWidget(cancel_);
  statusBar()->showMessage("Ready");

  run_log_ = new RunLog(this);
  auto* dock = new QDockWidget("Run log", this);
  dock->setObjectName("runlog");
  dock->setWidget(run_log_);
  addDockWidget(Qt::BottomDockWidgetArea, dock);
  resizeDocks({dock}, {130}, Qt::Vertical);
  connect(run_log_, &RunLog::restoreRequested, this, &MainWindow::applyConfig);
  setAcceptDrops(true);

  QMenu* file = menuBar()->addMenu("&File");
  file->addAction("Open Model (TorchScript .pt)…", this, [this] {
    const QString path = QFileDialog::getOpenFileName(this, "Open TorchScript model", {}, "TorchScript (*.pt *.pth)");
    if (!path.isEmpty()) openModel(path);
  });
  recent_menu_ = file->addMenu("Recent models");
  file->addSeparator();
  file->addAction("Export all (charts and results) to a folder…", this, [this] {
    const QString dir = QFileDialog::getExistingDirectory(this, "Export all to");
    if (dir.isEmpty()) return;
    const QString err = exportAll(dir);
    if (!err.isEmpty()) QMessageBox::warning(this, "Export failed", err);
    else statusBar()->showMessage("Exported to " + dir);
  });
  file->addAction("Export current chart (PNG or SVG)…", this, [this] {
    auto* chart = qobject_cast<ChartView*>(tabs_->currentWidget());
    if (!chart) chart = tabs_->currentIndex() == 2 ? spectrum_ : convergence_;
    const QString path = QFileDialog::getSaveFileName(this, "Export chart", "chart.png", "Images (*.png *.svg)");
    if (path.isEmpty()) return;
    const QString err = chart->exportTo(path);
    if (!err.isEmpty()) QMessageBox::warning(this, "Export failed", err);
  });
  file->addAction("Export result (JSON or CSV)…", this, [this] {
    const QString path = QFileDialog::getSaveFileName(this, "Export result", "result.json", "Results (*.json *.csv)");
    if (path.isEmpty()) return;
    const QString err = exportResult(path);
    if (!err.isEmpty()) QMessageBox::warning(this, "Export failed", err);
  });
  file->addSeparator();
  file->addAction("Quit", this, &QWidget::close);

  connect(run_, &QPushButton::clicked, this, &MainWindow::run);
  connect(cancel_, &QPushButton::clicked, engine_, &EngineClient::cancel);
  connect(spectrum_button, &QPushButton::clicked, this, &MainWindow::computeSpectrum);
  connect(metrics_button, &QPushButton::clicked, this, &MainWindow::computeMetrics);
  connect(engine_, &EngineClient::progress, this, &MainWindow::onProgress);
  connect(engine_, &EngineClient::jobFinished, this, &MainWindow::onJobFinished);
  connect(engine_, &EngineClient::failed, this, &MainWindow::onFailed);
  connect(engine_, &EngineClient::cancelled, this, [this] {
    cancel_->setEnabled(false);
    statusBar()->showMessage("Cancelled");
  });
  // Interactive tuning: the slider drives the budget and re-runs after a short pause (the stale run is cancelled).
  rerun_->setSingleShot(true);
  rerun_->setInterval(250);
  connect(rerun_, &QTimer::timeout, this, &MainWindow::run);
  connect(slider_, &QSlider::valueChanged, this, [this](int v) {
    matvecs_->setValue(v);
    rerun_->start();
  });
  rebuildRecentMenu();
  resize(1280, 860);
  if (persist_) restoreSettings();
  connect(methods_, &QListWidget::itemChanged, this, &MainWindow::updateCost);
  connect(data_kind_, &QComboBox::activated, this, &MainWindow::updateDataSpec);
  connect(data_n_, qOverload<int>(&QSpinBox::valueChanged), this, &MainWindow::updateDataSpec);
  connect(data_, &QLineEdit::textChanged, this, [this] { preview_timer_->start(); });
  connect(preview_timer_, &QTimer::timeout, this, &MainWindow::refreshPreview);
  refreshPreview();
  connect(matvecs_, qOverload<int>(&QSpinBox::valueChanged), this, &MainWindow::updateCost);
  updateCost();
}

MainWindow::~MainWindow() {
  if (persist_) saveSettings();
}

void MainWindow::buildModel(const QString& kind, int width, int depth, const QString& activation) {
  model_kind_->setCurrentText(kind);
  model_act_->setCurrentText(activation);
  const QSignalBlocker b1(model_width_), b2(model_depth_);
  model_width_->setValue(width);
  model_depth_->setValue(depth);
  updateModelSpec();
}

void MainWindow::updateModelSpec() {
  // Input sizes follow the data set: digits are 64 values (1×8×8), MNIST 784 (1×28×28), 2-D synthetic sets 2.
  const QString kind = data_kind_->currentText();
  const bool mnist = kind == "mnist" || kind == "fashion-mnist";
  const int in = kind == "digits" ? 64 : mnist ? 784 : kind == "sine" ? 1 : 2;
  const int out = kind == "digits" || mnist ? 10 : kind == "sine" ? 1 : kind == "moons" ? 2 : 3;
  const QString m = model_kind_->currentText();
  QString spec;
  if (m == "mlp")
    spec = QString("mlp:in=%1,width=%2,depth=%3,out=%4,act=%5,seed=%6")
               .arg(in).arg(model_width_->value()).arg(model_depth_->value()).arg(out)
               .arg(model_act_->currentText()).arg(seed_->value());
  else if (m == "cnn")
    spec = QString("cnn:width=%1,out=%2,act=%3,seed=%4").arg(model_width_->value()).arg(out).arg(model_act_->currentText()).arg(seed_->value());
  else
    spec = QString("gru:in=10,hidden=%1,steps=15,seed=%2").arg(model_width_->value()).arg(seed_->value());
  model_->setText(spec);
  if (m == "cnn") input_shape_->setText(mnist ? "1,28,28" : "1,8,8");
  else if (m == "gru") {
    input_shape_->setText("15,10");
    data_->setText(QString("random:n=%1,shape=15x10").arg(data_n_->value()));
  } else {
    input_shape_->clear();
  }
}

void MainWindow::updateDataSpec() {
  QString kind = data_kind_->currentText();
  if (kind == "csv…") {
    const QString path = QFileDialog::getOpenFileName(this, "Open CSV data", {}, "CSV (*.csv *.txt)");
    if (path.isEmpty()) return;
    data_->setText(QString("csv:%1,label=last,n=%2").arg(path).arg(data_n_->value()));
    return;
  }
  const bool synthetic = kind == "moons" || kind == "spirals" || kind == "blobs" || kind == "sine";
  data_->setText(QString("%1:%2=%3").arg(kind, synthetic ? "size" : "n").arg(data_n_->value()));
}

void MainWindow::refreshPreview() {
  const std::string spec = data_->text().trimmed().toStdString();
  auto* watcher = new QFutureWatcher<QString>(this);
  connect(watcher, &QFutureWatcher<QString>::finished, this, [this, watcher] {
    showPreview(watcher->result());
    watcher->deleteLater();
  });
  // Loading a data set can take a moment (MNIST): off the UI thread, and not on the engine thread either.
  watcher->setFuture(QtConcurrent::run([spec]() -> QString {
    try {
      return QString::fromStdString(preview_data(spec, 8).dump());
    } catch (const std::exception& e) {
      return QString("ERROR ") + QString::fromUtf8(e.what()).section('\n', 0, 0);
    }
  }));
}

void MainWindow::showPreview(const QString& json) {
  auto* layout = thumbs_->layout();
  while (QLayoutItem* item = layout->takeAt(0)) {
    delete item->widget();
    delete item;
  }
  if (json.startsWith("ERROR ")) {
    data_info_->setText(json.mid(6));
    Q_EMIT previewShown();
    return;
  }
  const QJsonObject r = QJsonDocument::fromJson(json.toUtf8()).object();
  data_info_->setText(r.value("description").toString());
  const QJsonArray shape = r.value("image_shape").toArray();
  if (shape.size() == 3) {
    const int h = shape[1].toInt(), w = shape[2].toInt();
    for (const auto& sv : r.value("samples").toArray()) {
      const QJsonObject sample = sv.toObject();
      const QJsonArray px = sample.value("pixels").toArray();
      QImage img(w, h, QImage::Format_Grayscale8);
      for (int y = 0; y < h; ++y) {
        uchar* line = img.scanLine(y);
        for (int x = 0; x < w && y * w + x < px.size(); ++x)
          line[x] = static_cast<uchar>(255.0 * std::clamp(px[y * w + x].toDouble(), 0.0, 1.0));
      }
      auto* label = new QLabel(thumbs_);
      label->setPixmap(QPixmap::fromImage(img.scaled(40, 40, Qt::KeepAspectRatio, Qt::FastTransformation)));
      label->setToolTip("label " + QString::number(sample.value("label").toInt()) + ": " + sample.value("class_name").toString());
      layout->addWidget(label);
    }
  }
  Q_EMIT previewShown();
}

void MainWindow::updateCost() {
  QStringList parts;
  int64_t total = 0;
  for (const auto& m : checkedMethods()) {
    EstimatorOptions o;
    o.method = m.toStdString();
    o.matvecs = matvecs_->value();
    const auto [v, j] = planned_ad_cost(o);
    total += v + j;
    parts << QString("%1 %2+%3").arg(m).arg(v).arg(j);
  }
  QString text = parts.isEmpty() ? QString() : "VJPs+JVPs: " + parts.join(", ");
  if (seconds_per_product_ > 0 && total > 0)
    text += QString("\n≈ %1 s (%2 ms per product on the last run)")
                .arg(total * seconds_per_product_, 0, 'g', 2)
                .arg(seconds_per_product_ * 1e3, 0, 'g', 2);
  cost_->setText(text.isEmpty() ? "tick at least one estimator" : text);
}

QStringList MainWindow::checkedMethods() const {
  QStringList out;
  for (int i = 0; i < methods_->count(); ++i)
    if (methods_->item(i)->checkState() == Qt::Checked) out << methods_->item(i)->text();
  return out;
}

void MainWindow::setMethods(const QStringList& methods) {
  for (int i = 0; i < methods_->count(); ++i)
    methods_->item(i)->setCheckState(methods.contains(methods_->item(i)->text()) ? Qt::Checked : Qt::Unchecked);
}

void MainWindow::setProblem(const QString& model, const QString& data, const QString& input_shape) {
  model_->setText(model);
  data_->setText(data);
  input_shape_->setText(input_shape);
}

ts::CompareJob MainWindow::currentCompareJob() const {
  CompareJob job;
  job.problem.model = model_->text().trimmed().toStdString();
  job.problem.data = data_->text().trimmed().toStdString();
  job.problem.input_shape = input_shape_->text().trimmed().toStdString();
  job.problem.params = params_->text().trimmed().isEmpty() ? "all" : params_->text().trimmed().toStdString();
  job.problem.compute.dtype = dtype_->currentText().toStdString();
  job.problem.compute.device = device_->currentText().toStdString();
  job.problem.compute.seed = static_cast<uint64_t>(seed_->value());
  job.estimator.matvecs = matvecs_->value();
  job.estimator.seed = static_cast<uint64_t>(seed_->value());
  job.estimator.tol = tol_->value();
  job.estimator.max_matvecs = 16 * static_cast<int64_t>(matvecs_->value());
  job.sweep_repeats = repeats_->value();
  job.problem.compute.threads = threads_->value();
  job.methods.clear();
  for (const auto& m : checkedMethods()) job.methods.push_back(m.toStdString());
  job.exact = exact_->isChecked();
  return job;
}

ts::TraceJob MainWindow::currentJob() const {
  const CompareJob c = currentCompareJob();
  TraceJob job;
  job.problem = c.problem;
  job.estimator = c.estimator;
  job.estimator.method = c.methods.empty() ? "hutchpp" : c.methods.front();
  job.estimator.record_history = true;
  job.compare_exact = c.exact;
  return job;
}

void MainWindow::run() {
  const CompareJob job = currentCompareJob();
  if (job.methods.empty()) {
    onFailed("tick at least one estimator to run");
    return;
  }
  convergence_->clearAll();
  run_started_ms_ = QDateTime::currentMSecsSinceEpoch();
  running_series_ = QString::fromStdString(job.methods.front()) + " (running)";
  current_kind_ = "compare";
  engine_->submitJob("compare", [job](const RunControl& rc) { return run_compare_job(job, rc).dump(); });
  cancel_->setEnabled(true);
  progress_->setRange(0, 0);
  statusBar()->showMessage("Running " + checkedMethods().join(", ") + "…");
  if (persist_) saveSettings();
}

void MainWindow::computeSpectrum() {
  const ProblemSpec p = currentCompareJob().problem;
  current_kind_ = "spectrum";
  engine_->submitJob("spectrum", [p](const RunControl& rc) { return run_spectrum_job(p, 400, rc).dump(); });
  cancel_->setEnabled(true);
  progress_->setRange(0, 0);
  statusBar()->showMessage("Computing the exact kernel and its eigenvalues…");
}

void MainWindow::computeMetrics() {
  const CompareJob c = currentCompareJob();
  MetricsJob job;
  job.problem = c.problem;
  job.estimator = c.estimator;
  job.estimator.method = c.methods.empty() ? "hutchpp" : c.methods.front();
  job.compare_exact = c.exact;
  job.metrics = {"trace", "frobenius", "effective_rank", "target_alignment"};
  current_kind_ = "metrics";
  engine_->submitJob("metrics", [job](const RunControl& rc) { return run_metrics_job(job, rc).dump(); });
  cancel_->setEnabled(true);
  progress_->setRange(0, 0);
  statusBar()->showMessage("Computing metrics…");
}

void MainWindow::trainAndTrack() {
  const CompareJob c = currentCompareJob();
  DynamicsJob job;
  job.problem = c.problem;
  job.training.epochs = epochs_->value();
  job.training.lr = lr_->currentText().toDouble();
  job.training.batch_size = 32;
  for (int e = 0; e <= job.training.epochs; ++e) job.training.snapshot_epochs.push_back(e);
  job.probe_n = 50;
  job.metrics.metrics = {"trace", "frobenius", "effective_rank", "alignment", "target_alignment"};
  job.metrics.estimator = c.estimator;
  job.metrics.estimator.method = c.methods.empty() ? "hutchpp" : c.methods.front();
  if (job.metrics.estimator.method == "rhutch" || job.metrics.estimator.method == "fhutch")
    job.metrics.estimator.method = "hutchpp";  // one-sided estimators do not apply to K₁K₂
  job.metrics.compare_exact = dynamics_exact_->isChecked();
  current_kind_ = "dynamics";
  engine_->submitJob("dynamics", [job](const RunControl& rc) { return run_dynamics_job(job, rc).dump(); });
  cancel_->setEnabled(true);
  progress_->setRange(0, 0);
  statusBar()->showMessage("Training…");
}

void MainWindow::showDynamics(const QString& json) {
  const QJsonObject r = QJsonDocument::fromJson(json.toUtf8()).object();
  dynamics_chart_->clearAll();
  loss_chart_->clearAll();
  QMap<QString, double> base;
  for (const auto& rv : r.value("dynamics").toArray()) {
    const QJsonObject row = rv.toObject();
    const double epoch = row.value("epoch").toDouble();
    for (const auto& mv : row.value("metrics").toArray()) {
      const QJsonObject m = mv.toObject();
      static const QMap<QString, QString> kShort{{"trace", "tr K"},
                                                 {"frobenius", "‖K‖_F"},
                                                 {"effective_rank", "r_eff"},
                                                 {"alignment", "cos(K, K₀)"},
                                                 {"target_alignment", "target al."}};
      const QString name = kShort.value(m.value("metric").toString(), m.value("metric").toString());
      const double v = m.value("value").toDouble();
      if (!base.contains(name)) base[name] = v;
      const double scale = base[name] != 0 ? 1.0 / base[name] : 1.0;
      dynamics_chart_->append(name, epoch, v * scale,
                              m.value("std_error").isDouble() ? std::fabs(m.value("std_error").toDouble() * scale) : 0.0);
    }
  }
  for (const auto& hv : r.value("history").toArray()) {
    const QJsonObject h = hv.toObject();
    const double epoch = h.value("epoch").toDouble();
    const QList<QPair<const char*, QString>> series{
        {"train_loss", "train loss"}, {"test_loss", "test loss"}, {"train_accuracy", "train acc"}, {"test_accuracy", "test acc"}};
    for (const auto& [key, label] : series)
      if (h.value(key).isDouble()) loss_chart_->append(label, epoch, h.value(key).toDouble());
  }
  Q_EMIT dynamicsShown();
}

QString MainWindow::resultText() const { return result_->text(); }

void MainWindow::onProgress(qint64 done, qint64 total, const QString& stage, double estimate, bool hasEstimate) {
  if (total > 0) {
    progress_->setRange(0, static_cast<int>(total));
    progress_->setValue(static_cast<int>(done));
  }
  statusBar()->showMessage(stage);
  if (hasEstimate && current_kind_ == "compare") {  // other jobs estimate other traces (tr K², …)
    result_->setText(QString("tr K ≈ %1 (running)").arg(estimate, 0, 'g', 10));
    convergence_->append(running_series_, static_cast<double>(done), estimate);
  }
}

void MainWindow::onJobFinished(const QString& kind, const QString& json) {
  cancel_->setEnabled(false);
  progress_->setRange(0, 1);
  progress_->setValue(1);
  statusBar()->showMessage("Done");
  if (kind == "compare") showCompare(json);
  if (kind == "spectrum") showSpectrum(json);
  if (kind == "metrics") showMetrics(json);
  if (kind == "dynamics") showDynamics(json);
}

void MainWindow::showCompare(const QString& json) {
  last_compare_ = json;
  const QJsonObject r = QJsonDocument::fromJson(json.toUtf8()).object();
  const QJsonArray runs = r.value("runs").toArray();
  convergence_->clearAll();
  speed_->clearAll();
  for (const auto& v : runs) {
    const QJsonObject run = v.toObject();
    const QString name = run.value("estimator").toString();
    convergence_->series(name, run.value("std_error").isDouble());
    for (const auto& h : run.value("history").toArray()) {
      const QJsonObject p = h.toObject();
      convergence_->append(name, p.value("matvecs").toDouble(), p.value("estimate").toDouble(),
                           p.value("std_error").isDouble() ? p.value("std_error").toDouble() : 0.0);
    }
  }
  double products = 0, seconds = 0;
  for (const auto& v : runs) {
    products += v.toObject().value("vjps").toDouble() + v.toObject().value("jvps").toDouble();
    seconds += v.toObject().value("seconds").toDouble();
  }
  if (products > 0) seconds_per_product_ = seconds / products;
  updateCost();
  const bool has_exact = r.contains("exact");
  if (has_exact) {
    convergence_->setReference("exact", r.value("exact").toDouble());
    for (const auto& v : r.value("sweep").toArray()) {
      const QJsonObject p = v.toObject();
      speed_->append(p.value("method").toString(), p.value("seconds").toDouble(), std::max(p.value("rel_error").toDouble(), 1e-16));
    }
    speed_->setVerticalReference("exact method", r.value("exact_seconds").toDouble());
  }
  // The first method's result stands as "the" result (what `trace` prints), with the run's context.
  QJsonObject first = runs.isEmpty() ? QJsonObject() : runs.first().toObject();
  first["d"] = r.value("d");
  first["params"] = r.value("params");
  if (has_exact) {
    first["exact"] = r.value("exact");
    first["exact_seconds"] = r.value("exact_seconds");
  }
  first["config"] = r.value("config");
  last_json_ = QString::fromUtf8(QJsonDocument(first).toJson(QJsonDocument::Compact));
  QString text = QString("tr K ≈ %1").arg(first.value("estimate").toDouble(), 0, 'g', 10);
  if (first.value("std_error").isDouble()) text += QString(" ± %1").arg(first.value("std_error").toDouble(), 0, 'g', 3);
  result_->setText(text);
  QString d = QString("d = %1, P = %2").arg(r.value("d").toInt()).arg(r.value("params").toInt());
  if (has_exact)
    d += QString("; exact %1 in %2 s").arg(r.value("exact").toDouble(), 0, 'g', 10).arg(r.value("exact_seconds").toDouble(), 0, 'g', 3);
  for (const auto& v : runs) {
    const QJsonObject run = v.toObject();
    d += QString("\n%1: %2 in %3 s (%4 VJPs, %5 JVPs)")
             .arg(run.value("estimator").toString())
             .arg(run.value("estimate").toDouble(), 0, 'g', 8)
             .arg(run.value("seconds").toDouble(), 0, 'g', 3)
             .arg(run.value("vjps").toInt())
             .arg(run.value("jvps").toInt());
    if (run.contains("rel_error")) d += QString(", rel. error %1").arg(run.value("rel_error").toDouble(), 0, 'g', 2);
  }
  details_->setText(d);
  const QJsonObject model = r.value("model").toObject();
  QStringList layers;
  for (const auto& l : model.value("layers").toArray()) layers << l.toString();
  if (layers.size() > 6) layers = layers.mid(0, 5) << QString("… %1 more layers").arg(layers.size() - 5);
  model_info_->setText(QString("%1: input [%2] → output [%3]\nP = %4 of %5 parameters, d = %6\n%7")
                           .arg(model.value("kind").toString(), model.value("input_shape").toString(),
                                model.value("output_shape").toString())
                           .arg(r.value("params").toInt())
                           .arg(model.value("params_total").toInt())
                           .arg(r.value("d").toInt())
                           .arg(layers.join("\n")));
  run_log_->add(r.value("config").toObject(), (QDateTime::currentMSecsSinceEpoch() - run_started_ms_) / 1000.0,
                result_->text());
  if (model.value("kind").toString() == "torchscript") rememberModel(model_->text());
  Q_EMIT resultShown();
}

void MainWindow::showSpectrum(const QString& json) {
  const QJsonObject r = QJsonDocument::fromJson(json.toUtf8()).object();
  spectrum_->clearAll();
  spectrum_->chart()->setTitle(r.value("approximate").toBool()
                                   ? "Spectrum: Nyström approximation (the exact kernel is over the memory budget)"
                                   : "Spectrum of the exact kernel (" + r.value("kernel").toString() + ")");
  const QJsonArray ev = r.value("eigenvalues").toArray();
  const double floor = ev.isEmpty() ? 1.0 : ev.first().toDouble() * 1e-14;
  for (int i = 0; i < ev.size(); ++i) spectrum_->append("eigenvalues", i + 1, std::max(ev[i].toDouble(), floor));
  Q_EMIT spectrumShown();
}

void MainWindow::showMetrics(const QString& json) {
  const QJsonArray rows = QJsonDocument::fromJson(json.toUtf8()).object().value("metrics").toArray();
  metrics_->setRowCount(rows.size());
  auto cell = [](const QJsonValue& v) {
    return new QTableWidgetItem(v.isDouble() ? QString::number(v.toDouble(), 'g', 8) : v.isString() ? v.toString() : "—");
  };
  for (int i = 0; i < rows.size(); ++i) {
    const QJsonObject m = rows[i].toObject();
    metrics_->setItem(i, 0, cell(m.value("metric")));
    metrics_->setItem(i, 1, cell(m.value("value")));
    metrics_->setItem(i, 2, cell(m.value("std_error")));
    metrics_->setItem(i, 3, cell(m.value("exact")));
    metrics_->setItem(i, 4, cell(m.value("rel_error")));
    metrics_->setItem(i, 5, cell(m.value("seconds")));
  }
  Q_EMIT metricsShown();
}

void MainWindow::onFailed(const QString& message) {
  result_->setText("tr K = —");
  details_->setText("Error: " + message);
  cancel_->setEnabled(false);
  progress_->setRange(0, 1);
  progress_->setValue(0);
  statusBar()->showMessage("Failed");
  Q_EMIT failureShown(message);
}

QString MainWindow::exportResult(const QString& path) const {
  if (last_json_.isEmpty()) return "there is no result to export yet";
  std::string text;
  if (path.endsWith(".csv", Qt::CaseInsensitive)) {
    const QJsonObject r = QJsonDocument::fromJson(last_compare_.toUtf8()).object();
    // The configuration travels as one JSON comment line, every method's running estimate as rows.
    text = "# " + QJsonDocument(r.value("config").toObject()).toJson(QJsonDocument::Compact).toStdString() + "\n";
    text += "estimator,matvecs,estimate,std_error,seconds\n";
    for (const auto& v : r.value("runs").toArray()) {
      const QJsonObject run = v.toObject();
      for (const auto& hv : run.value("history").toArray()) {
        const QJsonObject h = hv.toObject();
        text += run.value("estimator").toString().toStdString() + "," +
                QString::number(h.value("matvecs").toDouble()).toStdString() + "," +
                QString::number(h.value("estimate").toDouble(), 'g', 17).toStdString() + "," +
                (h.value("std_error").isDouble() ? QString::number(h.value("std_error").toDouble(), 'g', 17).toStdString() : "") +
                "," + QString::number(h.value("seconds").toDouble(), 'g', 6).toStdString() + "\n";
      }
    }
  } else {
    text = last_compare_.toStdString() + "\n";
  }
  try {
    write_text_file(path.toStdString(), text);
  } catch (const ts::Error& e) {
    return QString::fromUtf8(e.what());
  }
  return {};
}

void MainWindow::openModel(const QString& path, const QString& input_shape) {
  model_->setText(path);
  if (!input_shape.isEmpty()) input_shape_->setText(input_shape);
  params_->setText("all");
  if (input_shape_->text().trimmed().isEmpty()) {
    input_shape_->setFocus();
    statusBar()->showMessage("Give the shape of one input of " + path + " (e.g. 15,10), then Run");
  } else {
    run();
  }
}

void MainWindow::rememberModel(const QString& path) {
  recent_.removeAll(path);
  recent_.prepend(path);
  while (recent_.size() > 8) recent_.removeLast();
  rebuildRecentMenu();
}

void MainWindow::rebuildRecentMenu() {
  recent_menu_->clear();
  for (const auto& path : recent_) recent_menu_->addAction(path, this, [this, path] { openModel(path); });
  recent_menu_->setEnabled(!recent_.isEmpty());
}

void MainWindow::dragEnterEvent(QDragEnterEvent* e) {
  for (const auto& url : e->mimeData()->urls())
    if (url.isLocalFile() && (url.toLocalFile().endsWith(".pt") || url.toLocalFile().endsWith(".pth"))) {
      e->acceptProposedAction();
      return;
    }
}

void MainWindow::dropEvent(QDropEvent* e) {
  for (const auto& url : e->mimeData()->urls())
    if (url.isLocalFile()) {
      openModel(url.toLocalFile());
      return;
    }
}

void MainWindow::applyConfig(const QJsonObject& config) {
  const QJsonObject problem = config.value("problem").toObject();
  const QJsonObject est = config.value("estimator").toObject();
  const QJsonObject compute = problem.value("compute").toObject();
  setProblem(problem.value("model").toString(), problem.value("data").toString(), problem.value("input_shape").toString());
  params_->setText(problem.value("params").toString("all"));
  QStringList methods;
  for (const auto& m : config.value("methods").toArray()) methods << m.toString();
  setMethods(methods);
  const QSignalBlocker block(slider_);
  slider_->setValue(est.value("matvecs").toInt(96));
  matvecs_->setValue(est.value("matvecs").toInt(96));
  seed_->setValue(est.value("seed").toInt());
  dtype_->setCurrentText(compute.value("dtype").toString("float64"));
  device_->setCurrentText(compute.value("device").toString("cpu"));
  statusBar()->showMessage("Configuration restored from the run log");
}

QString MainWindow::exportAll(const QString& dir) const {
  QStringList errors;
  const QList<QPair<QString, ChartView*>> charts{{"convergence", convergence_},
                                                 {"speed_accuracy", speed_},
                                                 {"spectrum", spectrum_},
                                                 {"ntk_over_training", dynamics_chart_},
                                                 {"loss_accuracy", loss_chart_}};
  for (const auto& c : charts)
    for (const char* ext : {".png", ".svg"}) {
      const QString err = c.second->exportTo(dir + "/" + c.first + ext);
      if (!err.isEmpty()) errors << err;
    }
  if (!last_json_.isEmpty())
    for (const char* name : {"/result.json", "/result.csv"}) {
      const QString err = exportResult(dir + name);
      if (!err.isEmpty()) errors << err;
    }
  return errors.join("\n");
}

void MainWindow::saveSettings() const {
  QSettings s;
  s.setValue("model", model_->text());
  s.setValue("data", data_->text());
  s.setValue("input_shape", input_shape_->text());
  s.setValue("params", params_->text());
  s.setValue("recent_models", recent_);
  s.setValue("state", saveState());
  s.setValue("methods", checkedMethods());
  s.setValue("matvecs", matvecs_->value());
  s.setValue("seed", seed_->value());
  s.setValue("dtype", dtype_->currentText());
  s.setValue("device", device_->currentText());
  s.setValue("exact", exact_->isChecked());
  s.setValue("tol", tol_->value());
  s.setValue("repeats", repeats_->value());
  s.setValue("threads", threads_->value());
  s.setValue("geometry", saveGeometry());
}

void MainWindow::restoreSettings() {
  QSettings s;
  if (!s.contains("model")) return;
  model_->setText(s.value("model").toString());
  data_->setText(s.value("data").toString());
  input_shape_->setText(s.value("input_shape").toString());
  params_->setText(s.value("params", "all").toString());
  recent_ = s.value("recent_models").toStringList();
  rebuildRecentMenu();
  restoreState(s.value("state").toByteArray());
  setMethods(s.value("methods").toStringList());
  const QSignalBlocker block(slider_);  // restoring is not a request to re-run
  slider_->setValue(s.value("matvecs", 96).toInt());
  matvecs_->setValue(s.value("matvecs", 96).toInt());
  seed_->setValue(s.value("seed", 0).toInt());
  dtype_->setCurrentText(s.value("dtype", "float64").toString());
  device_->setCurrentText(s.value("device", "cpu").toString());
  exact_->setChecked(s.value("exact", true).toBool());
  tol_->setValue(s.value("tol", 0.0).toDouble());
  repeats_->setValue(s.value("repeats", 1).toInt());
  threads_->setValue(s.value("threads", 0).toInt());
  restoreGeometry(s.value("geometry").toByteArray());
}

}  // namespace ts::ui
