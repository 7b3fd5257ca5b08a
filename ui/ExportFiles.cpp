#include "ExportFiles.h"

#include <QBuffer>
#include <QImage>
#include <QWidget>

#include <exception>

#include "core/ErrorText.h"
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

QString export_set(const QString& target, const std::function<QString(const QString& stage)>& write,
                   bool replace_earlier) {
  try {
    ts::OutputFolder folder(target.toStdString(), replace_earlier);
    const QString errors = write(QString::fromStdString(folder.staging_dir()));
    if (!errors.isEmpty())
      return errors + "\nNothing was exported: '" + target + "' keeps its earlier files.";
    folder.commit();
  } catch (const std::exception& e) {
    return QString::fromStdString(ts::error_text(e));
  }
  return {};
}

QString save_widget_png(QWidget* widget, const QString& path) {
  QByteArray bytes;
  QBuffer buffer(&bytes);
  buffer.open(QIODevice::WriteOnly);
  if (!widget->grab().toImage().save(&buffer, "PNG")) return "cannot draw the picture for '" + path + "'";
  try {
    ts::write_file_atomic(path.toStdString(), bytes.toStdString());
  } catch (const std::exception& e) {
    return QString::fromStdString(e.what());
  }
  return {};
}

}  // namespace ts::ui
