#pragma once
// How run configurations differ: the table beside the run log when runs are pinned.
#include <QList>
#include <QPair>
#include <QStringList>

namespace ts {
struct CompareRequest;
}

namespace ts::ui {

/// The settings whose values are not the same in every one of `configs`, in the config's order, each named
/// as the form labels it ("Data spec", "Budget m", "Problem seed"; a setting the form does not show by its
/// path in the config JSON) with its value in each config as a person reads it (estimators by their display
/// names, the memory budget with units, other strings without quotes).
QList<QPair<QString, QStringList>> config_differences(const QList<ts::CompareRequest>& configs);

}  // namespace ts::ui
