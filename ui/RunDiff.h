#pragma once
// How run configurations differ: the table beside the run log when runs are pinned.
#include <QList>
#include <QPair>
#include <QStringList>

namespace ts {
struct CompareRequest;
}

namespace ts::ui {

/// The configuration keys (dotted paths of a run's config JSON, docs/FORMATS.md "Sessions", e.g.
/// "problem.data", "estimator.matvecs") whose values are not the same in every one of `configs`, in the
/// config's order, each with its value in each config (as written in the JSON; strings without quotes).
QList<QPair<QString, QStringList>> config_differences(const QList<ts::CompareRequest>& configs);

}  // namespace ts::ui
