#pragma once
// File ▸ Export result and File ▸ Export all, for the main window.
#include <QString>
#include <QStringList>

namespace ts::ui {

class MainWindow;

/// Writes the window's last result with its full configuration: JSON, or CSV (the running estimate per
/// matvec) by extension. Returns "" or an error message naming the file.
QString export_result(const MainWindow& w, const QString& path);
/// Writes every chart that holds results (PNG, SVG, PDF at least 960 × 600, and CSV; each with its run's
/// configuration), the tables and heat maps (CSV), the result (JSON and CSV) and the session into `target` as
/// one set: all new files, or on any error the folder as it was (no partial file); returns "" or the errors.
/// The titles of the charts skipped for holding no results go to `skipped`.
QString export_all(const MainWindow& w, const QString& target, QStringList* skipped = nullptr);

}  // namespace ts::ui
