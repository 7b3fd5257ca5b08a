#pragma once
// Atomic exports shared by the tabs: a failed write leaves no partial file and says which path failed.
#include <QString>
#include <QStringList>

class QWidget;

namespace ts::ui {

/// A CSV field: quoted (with doubled quotes) when it holds a comma, a quote or a line break.
QString csv_field(const QString& s);
/// Writes `text` through ts::write_text_file; on failure appends the message to `errors` instead of throwing.
void write_text_noting(const QString& path, const QString& text, QStringList& errors);
/// The widget as it is drawn, as a PNG through a temporary file; "" or an error naming the path.
QString save_widget_png(QWidget* widget, const QString& path);

}  // namespace ts::ui
