#include "ProblemPanel.h"

#include <QComboBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QFutureWatcher>
#include <QHBoxLayout>
#include <QImage>
#include <QLabel>
#include <QLineEdit>
#include <QPixmap>
#include <QRegularExpression>
#include <QSpinBox>
#include <QStandardItemModel>
#include <QTimer>
#include <QtConcurrent/QtConcurrentRun>

#include <algorithm>

#include "OptionTips.h"
#include "data/DataSourceCatalog.h"
#include "jobs/Jobs.h"
#include "jobs/ProblemSpec.h"
#include "models/ModelCatalog.h"

namespace ts::ui {

namespace {
// `spec` with its integer key `key` set to `value` (replaced where it is, else appended), the rest as typed.
QString with_spec_key(QString spec, const QString& key, int value) {
  const QRegularExpression existing("([:,])" + key + "=\\d+");
  if (spec.contains(existing)) return spec.replace(existing, "\\1" + key + "=" + QString::number(value));
  return spec + "," + key + "=" + QString::number(value);
}
}  // namespace

ProblemPanel::ProblemPanel(QWidget* parent) : QGroupBox("Kernel: model and data", parent) {
  auto* kf = new QFormLayout(this);
  const ProblemSpec defaults;
  model_ = new QLineEdit(QString::fromStdString(defaults.model), this);
  model_->setToolTip(optionTip("model", "Also File ▸ Open Model, or a .pt file dropped on the window."));
  data_ = new QLineEdit(QString::fromStdString(defaults.data), this);
  data_->setToolTip(optionTip("data", "n=N takes a seeded stratified subset (the kernel's batch)."));
  input_shape_ = new QLineEdit(this);
  input_shape_->setToolTip(optionTip("input-shape"));
  input_shape_->setPlaceholderText("shape of one input (e.g. 15,10); files from export-model carry it");
  output_ = new QLineEdit(this);
  output_->setPlaceholderText("for models returning a tuple, list or dict (e.g. 0, logits, 1.0)");
  output_->setToolTip(optionTip("output", "Empty: the file's metadata decides, else element 0 of a tuple."));
  params_ = new QLineEdit("all", this);
  params_->setToolTip(
      optionTip("params", "Frozen parameters (requires_grad=False) count only with +frozen."));
  model_info_ = new QLabel("P and d appear after the first run", this);
  model_info_->setObjectName("modelInfo");  // sessions store result labels by name
  model_info_->setWordWrap(false);  // explicit lines: a wrapped label under-reports its height in a form
  model_info_->setToolTip("P: parameters the kernel is taken over; d: the state size N·outputs; the layers");
  data_kind_ = new QComboBox(this);
  for (const auto& source : data_sources())  // the built-in data sets, then the file kinds
    if (source.app_listed) data_kind_->addItem(QString::fromStdString(source.kind));
  data_kind_->addItems({"csv…", "npy/npz…", "image folders…"});
  data_kind_->setToolTip(
      "The data set; MNIST and Fashion-MNIST need scripts/fetch-data mnist / fashion-mnist");
  data_n_ = new QSpinBox(this);
  data_n_->setRange(1, 100000);
  data_n_->setValue(100);
  data_n_->setPrefix("N = ");
  data_n_->setToolTip(
      "Batch size N of the kernel: a seeded, stratified subset of the data set; d = N × outputs");
  problem_seed_ = new QSpinBox(this);
  problem_seed_->setObjectName("problemSeed");
  problem_seed_->setRange(0, 1000000);
  problem_seed_->setPrefix("seed ");
  problem_seed_->setToolTip(
      "The problem's seed: which subset of the data set is the batch, and a built-in model's initial "
      "weights.\n"
      "The estimators' random draws have their own seed (Estimators ▸ Seed): changing that one never changes "
      "the kernel.");
  auto* data_row = new QHBoxLayout;
  data_row->addWidget(data_kind_, 1);
  data_row->addWidget(data_n_);
  data_row->addWidget(problem_seed_);
  thumbs_ = new QWidget(this);
  auto* thumbs_layout = new QHBoxLayout(thumbs_);
  thumbs_layout->setContentsMargins(0, 0, 0, 0);
  thumbs_layout->setSpacing(3);
  data_info_ = new QLabel(this);
  data_info_->setObjectName("dataInfo");  // sessions store result labels by name
  data_info_->setWordWrap(true);
  preview_timer_ = new QTimer(this);
  preview_timer_->setSingleShot(true);
  preview_timer_->setInterval(300);
  QHBoxLayout* model_row = createModelRow();
  kf->addRow("Build", model_row);
  kf->addRow("Model", model_);
  kf->addRow("Data set", data_row);
  kf->addRow("Data spec", data_);
  kf->addRow("", thumbs_);
  kf->addRow("", data_info_);
  kf->addRow("Input shape", input_shape_);
  kf->addRow("Output", output_);
  kf->addRow("Parameters", params_);
  kf->addRow("", model_info_);
  connectFields();
}

// The batch size and the problem's seed rewrite the specs; any change of the problem is announced.
void ProblemPanel::connectFields() {
  connect(data_kind_, &QComboBox::activated, this, &ProblemPanel::updateDataSpec);
  // The batch size of a file already chosen is its spec's n= (no new file dialog); a data set's is a new
  // spec.
  connect(data_n_, qOverload<int>(&QSpinBox::valueChanged), this, [this](int n) {
    QString spec = data_->text().trimmed();
    if (!(spec.startsWith("csv:") || spec.startsWith("npy:") || spec.startsWith("npz:") ||
          spec.startsWith("images:"))) {
      updateDataSpec();
      return;
    }
    data_->setText(with_spec_key(spec, "n", n));
  });
  // A user's change: a built-in model's initial weights follow (its spec's seed= only, the rest as typed),
  // and the batch's first samples.
  connect(problem_seed_, qOverload<int>(&QSpinBox::valueChanged), this, [this](int seed) {
    QString spec = model_->text().trimmed();
    if (spec.startsWith("mlp:") || spec.startsWith("cnn:") || spec.startsWith("gru:")) {
      model_->setText(with_spec_key(spec, "seed", seed));
    }
    preview_timer_->start();
  });
  connect(data_, &QLineEdit::textChanged, this, [this] { preview_timer_->start(); });
  for (QLineEdit* field : {model_, data_, input_shape_, output_, params_})
    connect(field, &QLineEdit::textChanged, this, &ProblemPanel::problemChanged);
  connect(problem_seed_, qOverload<int>(&QSpinBox::valueChanged), this, &ProblemPanel::problemChanged);
  connect(preview_timer_, &QTimer::timeout, this, &ProblemPanel::refreshPreview);
}

// Build a built-in model from its parameters (writes the spec); the spec field stays editable for every key.
QHBoxLayout* ProblemPanel::createModelRow() {
  model_kind_ = new QComboBox(this);
  for (const auto& kind : model_kind_catalog()) model_kind_->addItem(QString::fromStdString(kind.name));
  model_kind_->addItem("TorchScript file");
  // Choosing "TorchScript file" from the list opens one.
  qobject_cast<QStandardItemModel*>(model_kind_->model())->item(model_kind_->count() - 1)->setEnabled(false);
  model_kind_->setToolTip(
      "Built-in model: MLP, small CNN for images, or GRU (every hidden unit at every step)");
  model_width_ = new QSpinBox(this);
  model_width_->setRange(1, 8192);
  model_width_->setValue(256);
  model_width_->setPrefix("width ");
  model_width_->setToolTip("Hidden width (MLP), channels (CNN) or hidden units (GRU)");
  model_depth_ = new QSpinBox(this);
  model_depth_->setRange(1, 64);
  model_depth_->setValue(3);
  model_depth_->setPrefix("depth ");
  model_depth_->setToolTip("Number of linear layers (MLP only)");
  model_act_ = new QComboBox(this);
  for (const auto& act : activation_catalog())
    if (act.app_listed) model_act_->addItem(QString::fromStdString(act.name));
  model_act_->setToolTip("Activation between layers");
  auto* model_row = new QHBoxLayout;
  model_row->addWidget(model_kind_);
  model_row->addWidget(model_width_);
  model_row->addWidget(model_depth_);
  model_row->addWidget(model_act_);
  for (auto* w : std::initializer_list<QWidget*>{model_kind_, model_act_})
    connect(qobject_cast<QComboBox*>(w), &QComboBox::activated, this, &ProblemPanel::updateModelSpec);
  connect(model_width_, qOverload<int>(&QSpinBox::valueChanged), this, &ProblemPanel::updateModelSpec);
  connect(model_kind_, &QComboBox::activated, this, [this] {
    for (QWidget* w : std::initializer_list<QWidget*>{model_width_, model_depth_, model_act_})
      w->setEnabled(true);
  });
  connect(model_, &QLineEdit::textChanged, this, &ProblemPanel::reflectModelKind);
  connect(model_depth_, qOverload<int>(&QSpinBox::valueChanged), this, &ProblemPanel::updateModelSpec);
  return model_row;
}

void ProblemPanel::buildModel(const QString& kind, int width, int depth, const QString& activation) {
  model_kind_->setCurrentText(kind);
  model_act_->setCurrentText(activation);
  const QSignalBlocker b1(model_width_), b2(model_depth_);
  model_width_->setValue(width);
  model_depth_->setValue(depth);
  updateModelSpec();
}

void ProblemPanel::updateModelSpec() {
  if (model_kind_->currentText() == "TorchScript file") return;  // the Model field holds the file
  // Input sizes follow the data set (the data source catalog): digits are 64 values (1×8×8), MNIST 784
  // (1×28×28), CIFAR-10 3,072 (3×32×32), 2-D synthetic sets 2; regression sets have one output.
  const QString kind = data_kind_->currentText();
  std::vector<int64_t> shape{1, 8, 8};
  int64_t classes = 10;
  for (const auto& source : data_sources())
    if (source.app_listed && QString::fromStdString(source.kind) == kind) {
      shape = source.shape;
      classes = source.classes;
    }
  int64_t in_size = 1;
  for (int64_t s : shape) in_size *= s;
  const int in = int(in_size), out = int(std::max<int64_t>(classes, 1));
  const bool image = shape.size() == 3;
  QString image_shape;
  for (int64_t s : shape) image_shape += (image_shape.isEmpty() ? "" : ",") + QString::number(s);
  const QString m = model_kind_->currentText();
  QString spec;
  if (m == "mlp")
    spec = QString("mlp:in=%1,width=%2,depth=%3,out=%4,act=%5,seed=%6")
               .arg(in)
               .arg(model_width_->value())
               .arg(model_depth_->value())
               .arg(out)
               .arg(model_act_->currentText())
               .arg(problem_seed_->value());
  else if (m == "cnn")
    spec = QString("cnn:%1width=%2,out=%3,act=%4,seed=%5")
               .arg(image && shape[0] != 1 ? QString("channels=%1,").arg(shape[0]) : QString())
               .arg(model_width_->value())
               .arg(out)
               .arg(model_act_->currentText())
               .arg(problem_seed_->value());
  else
    spec = QString("gru:in=10,hidden=%1,steps=15,seed=%2")
               .arg(model_width_->value())
               .arg(problem_seed_->value());
  model_->setText(spec);
  if (m == "cnn")
    input_shape_->setText(image ? image_shape : "1,8,8");
  else if (m == "gru") {
    input_shape_->setText("15,10");
    data_->setText(QString("random:n=%1,shape=15x10").arg(data_n_->value()));
  } else {
    input_shape_->clear();
  }
}

void ProblemPanel::updateDataSpec() {
  QString kind = data_kind_->currentText();
  if (kind == "npy/npz…") {
    const QString path =
        QFileDialog::getOpenFileName(this, "Open NumPy data", {}, "NumPy arrays (*.npy *.npz)");
    if (path.isEmpty()) return;
    // An .npz names its arrays (x= and y= default to "x" and "y", or its only array); an .npy has no labels.
    const QString kind_of = path.endsWith(".npz", Qt::CaseInsensitive) ? "npz" : "npy";
    data_->setText(QString("%1:%2,n=%3").arg(kind_of, path).arg(data_n_->value()));
    return;
  }
  if (kind == "image folders…") {
    const QString dir =
        QFileDialog::getExistingDirectory(this, "Open a folder of image folders (one per class)");
    if (dir.isEmpty()) return;
    data_->setText(QString("images:%1,n=%2").arg(dir).arg(data_n_->value()));
    return;
  }
  if (kind == "csv…") {
    const QString path = QFileDialog::getOpenFileName(this, "Open CSV data", {}, "CSV (*.csv *.txt)");
    if (path.isEmpty()) return;
    data_->setText(QString("csv:%1,label=last,n=%2").arg(path).arg(data_n_->value()));
    return;
  }
  bool generated = false;
  for (const auto& source : data_sources())
    generated = generated || (source.generated && QString::fromStdString(source.kind) == kind);
  data_->setText(QString("%1:%2=%3").arg(kind, generated ? "size" : "n").arg(data_n_->value()));
}

void ProblemPanel::refreshPreview() {
  preview_timer_->stop();  // a pending refresh of the same field is this one
  const std::string spec = data_->text().trimmed().toStdString();
  auto* watcher = new QFutureWatcher<PreviewReply>(this);
  const quint64 generation = ++preview_generation_;
  connect(watcher, &QFutureWatcher<PreviewReply>::finished, this, [this, watcher, generation] {
    if (generation == preview_generation_)
      showPreview(watcher->result());  // a newer request supersedes this one
    watcher->deleteLater();
  });
  // Loading a data set can take a moment (MNIST): off the UI thread, and not on the engine thread either.
  const uint64_t seed = static_cast<uint64_t>(problem_seed_->value());
  watcher->setFuture(QtConcurrent::run([spec, seed]() {
    PreviewReply reply;
    try {
      reply.preview = preview_data(spec, 8, seed);
    } catch (const std::exception& e) {
      reply.error = QString::fromUtf8(e.what()).section('\n', 0, 0);
    }
    return reply;
  }));
}

void ProblemPanel::showPreview(const PreviewReply& reply) {
  auto* layout = thumbs_->layout();
  while (QLayoutItem* item = layout->takeAt(0)) {
    delete item->widget();
    delete item;
  }
  if (!reply.error.isEmpty()) {
    data_info_->setText(reply.error);
    Q_EMIT previewShown();
    return;
  }
  const DataPreview& r = reply.preview;
  data_info_->setText(QString::fromStdString(r.description));
  // A spec without n= takes every row (an opened file): the batch-size box says how many, not the last N.
  if (!QRegularExpression("[:,]n=\\d+").match(data_->text()).hasMatch() && r.size > 0) {
    const QSignalBlocker quiet(data_n_);
    data_n_->setValue(static_cast<int>(std::min<int64_t>(r.size, data_n_->maximum())));
  }
  if (r.image_shape.size() == 3) {
    const int h = static_cast<int>(r.image_shape[1]), w = static_cast<int>(r.image_shape[2]);
    int shown = 0;
    for (const auto& sample : r.samples) {
      if (++shown > 6) break;  // six fit the panel's narrowest width
      const auto& px = sample.pixels;
      QImage img(w, h, QImage::Format_Grayscale8);
      for (int y = 0; y < h; ++y) {
        uchar* line = img.scanLine(y);
        for (int x = 0; x < w && size_t(y * w + x) < px.size(); ++x)
          line[x] = static_cast<uchar>(255.0 * std::clamp(px[size_t(y * w + x)], 0.0, 1.0));
      }
      auto* label = new QLabel(thumbs_);
      label->setPixmap(QPixmap::fromImage(img.scaled(36, 36, Qt::KeepAspectRatio, Qt::FastTransformation)));
      label->setToolTip("label " + QString::number(sample.label.value_or(0)) + ": " +
                        QString::fromStdString(sample.class_name));
      layout->addWidget(label);
    }
  }
  Q_EMIT previewShown();
}

void ProblemPanel::reflectModelKind() {
  // The builder row shows what the Model field holds: a file, or a built-in model with its width, depth and
  // activation.
  const QString m = model_->text().trimmed();
  const bool file = m.endsWith(".pt") || m.endsWith(".pth") || m.startsWith("torchscript:");
  const QSignalBlocker b1(model_kind_), b2(model_width_), b3(model_depth_), b4(model_act_);
  if (file) {
    model_kind_->setCurrentText("TorchScript file");
  } else {
    const QString kind = m.section(':', 0, 0);
    for (const auto& k : model_kind_catalog())
      if (kind == QString::fromStdString(k.name)) model_kind_->setCurrentText(kind);
    for (const QString& part : m.section(':', 1).split(',')) {
      const QString k = part.section('=', 0, 0), v = part.section('=', 1);
      if (k == "width" || k == "hidden" || k == "channels_hidden") model_width_->setValue(v.toInt());
      if (k == "depth") model_depth_->setValue(v.toInt());
      if (k == "act") model_act_->setCurrentText(v);
    }
  }
  for (QWidget* w : std::initializer_list<QWidget*>{model_width_, model_depth_, model_act_})
    w->setEnabled(!file);
}

void ProblemPanel::setProblem(const QString& model, const QString& data, const QString& input_shape) {
  model_->setText(model);
  // The batch-size box follows the spec's n= (it writes the spec when changed, so it is quiet here).
  const QRegularExpressionMatch n = QRegularExpression("[:,]n=(\\d+)").match(data);
  if (n.hasMatch()) {
    const QSignalBlocker block(data_n_);
    data_n_->setValue(n.captured(1).toInt());
  }
  data_->setText(data);
  input_shape_->setText(input_shape);
  output_->clear();
}

void ProblemPanel::fill(ProblemSpec& p) const {
  p.model = model_->text().trimmed().toStdString();
  p.data = data_->text().trimmed().toStdString();
  p.input_shape = input_shape_->text().trimmed().toStdString();
  p.output = output_->text().trimmed().toStdString();
  p.params = params_->text().trimmed().isEmpty() ? "all" : params_->text().trimmed().toStdString();
  p.compute.seed = static_cast<uint64_t>(problem_seed_->value());
}

QString ProblemPanel::model() const { return model_->text(); }
QString ProblemPanel::data() const { return data_->text(); }
QString ProblemPanel::inputShape() const { return input_shape_->text(); }
QString ProblemPanel::output() const { return output_->text(); }
QString ProblemPanel::params() const { return params_->text(); }
int ProblemPanel::dataN() const { return data_n_->value(); }
int ProblemPanel::problemSeed() const { return problem_seed_->value(); }
void ProblemPanel::setProblemSeed(int seed) {
  const QSignalBlocker quiet(problem_seed_);  // restoring a form: its model spec says its own seed
  problem_seed_->setValue(seed);
}
void ProblemPanel::setModel(const QString& model) { model_->setText(model); }
void ProblemPanel::setData(const QString& data) { data_->setText(data); }
void ProblemPanel::setInputShape(const QString& shape) { input_shape_->setText(shape); }
void ProblemPanel::setOutput(const QString& output) { output_->setText(output); }
void ProblemPanel::setParams(const QString& params) { params_->setText(params); }
void ProblemPanel::setDataKind(const QString& kind) { data_kind_->setCurrentText(kind); }
void ProblemPanel::setDataN(int n) {
  const QSignalBlocker block(data_n_);  // the spec is set apart; no rewrite of it here
  data_n_->setValue(n);
}
void ProblemPanel::setModelInfo(const QString& text, const QString& tooltip) {
  model_info_->setText(text);
  if (!tooltip.isNull()) model_info_->setToolTip(tooltip);
}

void ProblemPanel::showModel(const CompareResult& r) {
  QStringList layers;
  for (const auto& n : r.model.notes) layers << QString::fromStdString(n);  // how the model file was read
  for (const auto& l : r.model.layers) layers << QString::fromStdString(l);
  if (layers.size() > 6) layers = layers.mid(0, 5) << QString("… %1 more layers").arg(layers.size() - 5);
  QString jvp = "JVPs: " + QString::fromStdString(r.jvp.path);
  QString tooltip;  // null: the tooltip stays
  if (!r.jvp.fallback.empty()) {
    jvp += " (forward mode unsupported by this model)";
    tooltip = QString::fromStdString(r.jvp.fallback);
  }
  setModelInfo(QString("%1: input [%2] → output [%3]\nP = %4 of %5 parameters (%6 frozen), d = %7\n%8\n%9")
                   .arg(QString::fromStdString(r.model.kind), QString::fromStdString(r.model.input_shape),
                        QString::fromStdString(r.model.output_shape))
                   .arg(r.params)
                   .arg(r.model.params_total)
                   .arg(r.model.params_frozen)
                   .arg(r.d)
                   .arg(jvp, layers.join("\n")),
               tooltip);
}

}  // namespace ts::ui
