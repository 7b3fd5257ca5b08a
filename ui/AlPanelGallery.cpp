// The Active learning tab's gallery (AlPanel.h): the samples each strategy queried in its newest cycle, and
// the gallery kept in and restored from sessions.
#include <QComboBox>
#include <QSignalBlocker>

#include "AlPanel.h"
#include "Notation.h"
#include "SampleGallery.h"
#include "jobs/AlJob.h"

namespace ts::ui {

void AlPanel::showGallery() {
  // The newest cycle of the chosen strategy that queried anything.
  const std::string chosen = gallery_strategy_->currentData().toString().toStdString();
  for (auto r = rows_.rbegin(); r != rows_.rend(); ++r)
    if (r->strategy == chosen && !r->queried.empty()) {
      gallery_->setCycle(*r);
      break;
    }
}

std::vector<AlCycle> AlPanel::galleryCycles() const {
  std::vector<AlCycle> out;
  for (int i = 0; i < gallery_strategy_->count(); ++i) {
    const std::string strategy = gallery_strategy_->itemData(i).toString().toStdString();
    for (auto r = rows_.rbegin(); r != rows_.rend(); ++r)
      if (r->strategy == strategy && !r->queried.empty()) {
        out.push_back(*r);
        break;
      }
  }
  return out;
}

QString AlPanel::galleryStrategy() const { return gallery_strategy_->currentData().toString(); }

void AlPanel::restoreGallery(const std::vector<AlCycle>& cycles, const QString& strategy) {
  rows_ = cycles;
  gallery_->clear();
  const QSignalBlocker block(gallery_strategy_);
  gallery_strategy_->clear();
  for (const auto& c : cycles)
    gallery_strategy_->addItem(displayName(QString::fromStdString(c.strategy)),
                               QString::fromStdString(c.strategy));
  if (gallery_strategy_->findData(strategy) >= 0)
    gallery_strategy_->setCurrentIndex(gallery_strategy_->findData(strategy));
  showGallery();
}

}  // namespace ts::ui
