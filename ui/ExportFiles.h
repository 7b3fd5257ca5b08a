#pragma once
// Atomic exports shared by the tabs: a failed write leaves no partial file and says which path failed.
#include <QString>
#include <QStringList>

#include <functional>

class QWidget;

namespace ts::ui {

/// A CSV field: quoted (with doubled quotes) when it holds a comma, a quote or a line break.
QString csv_field(const QString& s);
/// Writes `text` through ts::write_text_file; on failure appends the message to `errors` instead of throwing.
void write_text_noting(const QString& path, const QString& text, QStringList& errors);
/// Runs `write(stage)`, which writes its files into the folder `stage`, and publishes them in `target` as one
/// set (ts::OutputFolder): only when `write` reports no error are the files moved into `target`, so a full
/// disk or any failed file leaves `target` as it was, with no partial file. With `replace_earlier`, files of
/// an earlier full export that this one does not write are removed (Export all); a tab's own export keeps
/// them. Returns "" or the errors, one a line.
QString export_set(const QString& target, const std::function<QString(const QString& stage)>& write,
                   bool replace_earlier);
/// The widget as it is drawn, as a PNG through a temporary file; "" or an error naming the path.
QString save_widget_png(QWidget* widget, const QString& path);

}  // namespace ts::ui
