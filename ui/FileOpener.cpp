#include "FileOpener.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QFutureWatcher>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMimeData>
#include <QRegularExpression>
#include <QSettings>
#include <QStandardPaths>
#include <QStatusBar>
#include <QUrl>
#include <QtConcurrent/QtConcurrentRun>

#include "MainWindow.h"
#include "ProblemPanel.h"
#include "WindowMenus.h"
#include "core/Errors.h"
#include "io/Spec.h"
#include "jobs/DataPreview.h"
#include "models/ModelFileInfo.h"

namespace ts::ui {

FileOpener::FileOpener(MainWindow* window, bool persist) : QObject(window), w_(window), persist_(persist) {}

// The shape of one input for a model file, in this order: the shape given, the file's own metadata
// (scripts/export-model), the shape this user gave for this file before, else asked. Empty when there is
// none (the status bar says why); `origin` says where it came from ("unreadable": not a model file).
QString FileOpener::inputShape(const QString& path, const QString& given, QString& origin) {
  QString shape = given.trimmed();
  origin = "given";
  if (!shape.isEmpty()) return shape;
  ModelFileInfo info;
  try {
    info = read_model_file_info(path.toStdString());
  } catch (const std::exception&) {
    origin = "unreadable";  // not a readable model file: the run says why, in plain words
    return {};
  }
  QSettings settings;
  const QString key = "model_shapes/" + QString(path).replace('/', '|');
  if (!info.input_shape.empty()) {
    origin = "from the file";
    return QString::fromStdString(shape_to_string(info.input_shape));
  }
  if (persist_ && settings.contains(key)) {
    origin = "remembered for this file";
    return settings.value(key).toString();
  }
  origin = "as given";
  shape = shape_prompt_ ? shape_prompt_(path) : QString();
  if (shape.trimmed().isEmpty())
    w_->statusBar()->showMessage(
        QFileInfo(path).fileName() +
        " does not record its input shape: give it in the Input shape field, then Run");
  return shape;
}

void FileOpener::openModel(const QString& path, const QString& input_shape) {
  w_->problemPanel()->setModel(path);
  w_->problemPanel()->setOutput({});
  w_->problemPanel()->setParams("all");
  // The previous model's shape never carries over.
  QString origin;
  QString shape = inputShape(path, input_shape, origin);
  if (shape.trimmed().isEmpty()) {
    w_->problemPanel()->setInputShape({});
    if (origin == "unreadable") w_->run();
    return;
  }
  shape = shape.trimmed();
  std::vector<int64_t> dims;
  try {
    dims = parse_shape(shape.toStdString(), "the input shape");
  } catch (const std::exception& e) {
    w_->problemPanel()->setInputShape(shape);
    Q_EMIT failed(QString::fromStdString(e.what()));
    return;
  }
  if (persist_ && origin != "from the file")
    QSettings().setValue("model_shapes/" + QString(path).replace('/', '|'), shape);
  w_->problemPanel()->setInputShape(shape);
  int64_t values = 1;
  for (int64_t v : dims) values *= v;
  // Data that does not fit the model is swapped for random inputs of its shape (the preview loads off the UI
  // thread, then the run starts).
  const std::string data = w_->problemPanel()->data().trimmed().toStdString();
  auto* watcher = new QFutureWatcher<int64_t>(this);
  connect(watcher, &QFutureWatcher<int64_t>::finished, this, [this, watcher, values, shape, origin, data] {
    const int64_t have = watcher->result();
    watcher->deleteLater();
    QString message = QString("Model: input shape [%1] (%2)").arg(shape, origin);
    if (have > 0 && have != values && w_->problemPanel()->data().trimmed().toStdString() == data) {
      // As many inputs as the data had (its n=, else the batch size field).
      static const QRegularExpression n_key("(?:^|[:,])n=([0-9]+)");
      const auto n_match = n_key.match(QString::fromStdString(data));
      const QString n =
          n_match.hasMatch() ? n_match.captured(1) : QString::number(w_->problemPanel()->dataN());
      const QString spec = QString("random:n=%1,shape=%2").arg(n, QString(shape).replace(' ', ""));
      message += QString(
                     "; the data '%1' has %2 values per input but the model takes %3: using %4 random "
                     "inputs of that shape (File ▸ Open Data for your own)")
                     .arg(QString::fromStdString(data))
                     .arg(have)
                     .arg(values)
                     .arg(n);
      w_->problemPanel()->setData(spec);
    }
    w_->statusBar()->showMessage(message);
    Q_EMIT modelOpened(message);
    w_->run();
  });
  watcher->setFuture(QtConcurrent::run([data]() -> int64_t {
    try {
      const DataPreview p = preview_data(data, 1);
      return p.samples.empty() ? -1 : static_cast<int64_t>(p.samples.front().pixels.size());
    } catch (const std::exception&) {
      return -1;  // unreadable data: the run reports it
    }
  }));
}

void FileOpener::setRecentModels(const QStringList& paths) {
  recent_ = paths;
  rebuildRecentMenu();
}

void FileOpener::rememberModel(const QString& path) {
  recent_.removeAll(path);
  recent_.prepend(path);
  while (recent_.size() > 8) recent_.removeLast();
  rebuildRecentMenu();
}

void FileOpener::rebuildRecentMenu() {
  if (auto* menus = w_->menus()) menus->setRecentModels(recent_);
}

namespace {

bool is_model_file(const QString& path) { return path.endsWith(".pt") || path.endsWith(".pth"); }
bool is_data_file(const QString& path) {
  if (QFileInfo(path).isDir()) return true;  // a folder of image folders (images:DIR)
  return path.endsWith(".csv", Qt::CaseInsensitive) || path.endsWith(".npy", Qt::CaseInsensitive) ||
         path.endsWith(".npz", Qt::CaseInsensitive);
}

}  // namespace

void FileOpener::openData(const QString& path) {
  QString spec;
  if (QFileInfo(path).isDir()) {
    w_->problemPanel()->setDataKind("image folders…");
    w_->problemPanel()->setData(QString("images:%1,n=%2").arg(path).arg(w_->problemPanel()->dataN()));
    w_->statusBar()->showMessage("Data: image folders in " + path);
    return;
  }
  if (path.endsWith(".npy", Qt::CaseInsensitive))
    spec = "npy:" + path;
  else if (path.endsWith(".npz", Qt::CaseInsensitive))
    spec = "npz:" + path;
  else
    spec = "csv:" + path;
  w_->problemPanel()->setDataKind(spec.startsWith("csv:") ? "csv…" : "npy/npz…");
  w_->problemPanel()->setData(spec);  // the preview follows (refreshPreview, off the UI thread)
  w_->statusBar()->showMessage("Data: " + path);
}

bool FileOpener::accepts(const QMimeData* mime) const {
  for (const auto& url : mime->urls())
    if (url.isLocalFile() && (is_model_file(url.toLocalFile()) || is_data_file(url.toLocalFile()) ||
                              QFileInfo(url.toLocalFile() + "/run.json").isFile()))
      return true;
  return false;
}

void FileOpener::open(const QMimeData* mime) {
  for (const auto& url : mime->urls())
    if (url.isLocalFile()) {
      const QString path = url.toLocalFile();
      if (QFileInfo(path + "/run.json").isFile()) {
        const QString err = w_->openRun(path);
        if (!err.isEmpty()) w_->statusBar()->showMessage(err);
      } else if (is_data_file(path))
        openData(path);
      else
        openModel(path);
      return;
    }
}

QString FileOpener::openExample(int index) {
  QFile list(":/examples/examples.json");
  if (!list.open(QIODevice::ReadOnly)) return "the list of examples is missing from the resources";
  const QJsonArray examples = QJsonDocument::fromJson(list.readAll()).array();
  if (index < 0 || index >= examples.size()) return QString("there is no example %1").arg(index);
  const QJsonObject e = examples.at(index).toObject();
  // TorchScript and the CSV reader read files: copy the two out of the resources once (again if they
  // changed).
  const QString dir = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) + "/examples";
  if (!QDir().mkpath(dir)) return "cannot create the folder " + dir;
  for (const QString& name : {e.value("model").toString(), e.value("data").toString()}) {
    QFile from(":/examples/" + name);
    const QString to = dir + "/" + name;
    if (QFileInfo(to).size() == from.size()) continue;
    QFile::remove(to);
    if (!from.copy(to))
      return "cannot copy the example file " + name + " to " + dir + ": " + from.errorString();
    QFile::setPermissions(to, QFile::ReadOwner | QFile::WriteOwner | QFile::ReadGroup | QFile::ReadOther);
  }
  const QString model = dir + "/" + e.value("model").toString();
  QString data = "csv:" + dir + "/" + e.value("data").toString();
  if (!e.value("data_options").toString().isEmpty()) data += "," + e.value("data_options").toString();
  w_->setProblem(model, data, e.value("input_shape").toString());
  w_->problemPanel()->setParams("all");
  w_->statusBar()->showMessage("Example: " + e.value("name").toString() + ". " +
                               e.value("description").toString());
  w_->run();
  return {};
}

}  // namespace ts::ui
