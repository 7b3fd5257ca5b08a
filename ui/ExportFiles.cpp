#include "ExportFiles.h"

#include <QImage>
#include <QSaveFile>
#include <QWidget>

#include <exception>

#include "io/OutputFiles.h"

namespace ts::ui {

QString csv_field(const QString& s) {
  if (!s.contains(',') && !s.contains('"') && !s.contains('\n')) return s;
  return "\"" + QString(s).replace("\"", "\"\"") + "\"";
}

void write_text_noting(const QString& path, const QString& text, QStringList& errors) {
  try {
    ts::write_text_file(path.toStdString(), text.toStdString());
  } catch (const std::exception& e) {
    errors << QString::fromStdString(e.what());
  }
}

QString save_widget_png(QWidget* widget, const QString& path) {
  QSaveFile file(path);
  if (!file.open(QIODevice::WriteOnly)) return "cannot write '" + path + "': " + file.errorString();
  if (!widget->grab().toImage().save(&file, "PNG") || !file.commit())
    return "cannot write '" + path + "': " + file.errorString();
  return {};
}

}  // namespace ts::ui
