#pragma once
// The user's files into the form: a TorchScript model (its input shape from the given text, the file's own
// metadata, what this user gave for the file before, or asked; data that does not fit is swapped for random
// inputs of the model's shape), data files (CSV, NumPy, folders of image folders), the bundled examples,
// files dropped on the window, and File ▸ Recent models.
#include <QObject>
#include <QString>
#include <QStringList>

#include <functional>

class QMimeData;

namespace ts::ui {

class MainWindow;

class FileOpener : public QObject {
  Q_OBJECT
 public:
  /// With `persist`, the input shapes given for model files are remembered in QSettings.
  FileOpener(MainWindow* window, bool persist);

  /// Uses a TorchScript file as the model and runs (after the shape is known and the data checked).
  void openModel(const QString& path, const QString& input_shape = {});
  /// A CSV or NumPy file as the data (csv:PATH, npy:PATH, npz:PATH by extension), or a folder of image
  /// folders.
  void openData(const QString& path);
  /// Copies example `index` out of the resources into the app's data folder, fills in the form and runs.
  /// Returns an error message, or empty.
  QString openExample(int index);
  /// Whether a drop holds something to open (a model, data, a run folder), and opening it.
  bool accepts(const QMimeData* mime) const;
  void open(const QMimeData* mime);
  /// File ▸ Recent models, newest first.
  QStringList recentModels() const { return recent_; }
  void setRecentModels(const QStringList& paths);
  void rememberModel(const QString& path);
  /// How openModel asks for the input shape of a file that does not record it (an empty answer cancels).
  void setShapePrompt(std::function<QString(const QString& path)> prompt) {
    shape_prompt_ = std::move(prompt);
  }

 Q_SIGNALS:
  /// A model file was opened (its input shape known, the data switched if it did not fit); the run starts.
  void modelOpened(const QString& message);
  /// The shape given is not a shape.
  void failed(const QString& message);

 private:
  QString inputShape(const QString& path, const QString& given, QString& origin);
  void rebuildRecentMenu();
  MainWindow* w_;
  bool persist_;
  QStringList recent_;
  std::function<QString(const QString&)> shape_prompt_;
};

}  // namespace ts::ui
