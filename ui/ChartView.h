#pragma once
// The one chart widget every view uses: line series with optional ±2σ bands, log/linear axes,
// rubber-band zoom (right click resets), hover read-out, legend markers that hide a series, PNG/SVG export.
#include <cmath>

#include <QChartView>
#include <QColor>
#include <QString>

#include <string>

class QLineSeries;
class QAreaSeries;
class QAbstractAxis;

class QLegendMarker;

namespace ts::ui {

class ChartView : public QChartView {
  Q_OBJECT
 public:
  explicit ChartView(const QString& title, const QString& x_title, const QString& y_title,
                     QWidget* parent = nullptr);

  /// Adds (or returns) the line series `name`; with `band` also a ±2σ area around it.
  QLineSeries* series(const QString& name, bool band = false);
  /// Appends a point to series `name`; `sigma` > 0 widens its band.
  void append(const QString& name, double x, double y, double sigma = 0);
  /// Replaces series `name` with `points` at once (one axis fit, not one per point); `half_widths`, if given,
  /// draw the band y ± half_width (a confidence interval the caller computed).
  void setSeries(const QString& name, const QList<QPointF>& points, const QList<double>& half_widths = {});
  /// Bands stop at [lo, hi], the values the quantity can take (an accuracy's [0, 1]): a t-interval over few
  /// seeds can reach past them, which the chart would otherwise draw and fit its axis to.
  void setBandBounds(double lo, double hi) { band_lo_ = lo, band_hi_ = hi; }
  /// A horizontal reference line (e.g. the exact value), drawn dashed across the current x range.
  void setReference(const QString& name, double y);
  /// A vertical reference line at x (e.g. the exact method's time), drawn dashed across the y range.
  void setVerticalReference(const QString& name, double x);
  void clearAll();
  /// A pinned run's series drawn dashed over the live ones, in the colour of the series `colour_of` of this
  /// chart (else of the method it names), so it reads as "the same method, another run"; without `legend`
  /// it takes no legend entry (a fitted line drawn in its data's colour).
  void setOverlay(const QString& name, const QList<QPointF>& points, const QString& colour_of,
                  bool legend = true);
  /// Removes the series `name` (and its band); nothing when there is none.
  void removeSeries(const QString& name);
  /// The names of every series, in drawing order.
  QStringList seriesNames() const;
  int pointCount(const QString& name) const;

  /// The y range ignores the ±2σ bands over the first `fraction` of the x range (where a running estimate's
  /// error is still wide, e.g. Hutchinson's first probes), so the converged part fills the chart; those bands
  /// are clipped at the edge. 0 (the default) fits everything.
  void setBandFitFrom(double fraction) { band_fit_from_ = fraction; }
  /// Each curve of the chart's own also gets its dash pattern (solid, dashed, dotted, …): curves that lie on
  /// each other stay distinguishable.
  void setDistinctStyles(bool on) {
    distinct_styles_ = on;
    applyPens();
  }
  /// Series whose names end with `suffix` (e.g. " acc") are drawn against a second, linear y axis on the
  /// right titled `title`, fitted on its own (loss and accuracy in one chart, each on its scale).
  void setSecondaryY(const QString& suffix, const QString& title);
  /// The y axis's title (a chart whose quantity the user chooses).
  void setYTitle(const QString& title);
  /// The colour series `name` is drawn in (invalid when there is no such series).
  QColor colour(const QString& name) const;
  void setLogX(bool on);
  void setLogY(bool on);
  bool logX() const { return log_x_; }
  bool logY() const { return log_y_; }

  /// Dark or light chart theme; the series keep their method colours (Palette.h) in both.
  void setDarkTheme(bool dark);
  bool darkTheme() const { return dark_; }
  /// The theme of charts created from now on (View ▸ Theme sets it with every existing chart's).
  static void setDarkDefault(bool dark);

  /// Writes the chart as PNG, SVG or PDF (by extension) through a temporary file; returns "" or an error
  /// message. `size` (in pixels; empty: as shown) and `scale` (device pixels per pixel, PNG only) choose the
  /// picture's size: the chart is laid out again at that size, not stretched.
  QString exportTo(const QString& path, QSize size = {}, double scale = 1.0);
  /// What produced the chart (the run's full configuration and seed, one line of JSON), carried by every file
  /// it is exported to: a PNG text chunk ("Description"), the SVG's <desc>, the PDF's creator, the CSV's
  /// comment lines ("# …") before its header. Empty: none.
  void setProvenance(const QString& text) { provenance_ = text; }
  /// The configuration (and seed) of a run as its provenance: a result's JSON `config`, or the whole JSON.
  void setProvenanceJson(const std::string& json_text) { provenance_ = QString::fromStdString(json_text); }
  const QString& provenance() const { return provenance_; }
  /// Every series' points as CSV: series,x,y,lower,upper (the ±2σ band where the series has one), then the
  /// reference lines (series,x or y).
  QString csv() const;

  /// What a chart shows, for sessions: each series with its band, the reference lines, the axes.
  struct Series {
    QString name;
    QList<QPointF> points, upper, lower;  ///< upper/lower empty without a band
    bool band = false;
    bool dashed = false;  ///< an overlay (a pinned run, a fitted line), drawn dashed
    bool legend = true;   ///< false: drawn without a legend entry (a fitted line in its data's colour)
  };
  struct Content {
    QString title, x_title, y_title;
    bool log_x = false, log_y = false;
    QList<Series> series;
    bool has_reference = false, has_vreference = false;
    QString reference_name, vreference_name;
    double reference_y = 0, vreference_x = 0;
    QString provenance;  ///< the configuration of the run drawn (setProvenance)
  };
  Content content() const;
  /// Shows `c` exactly (the points as given; colours follow the series names as for live runs).
  void setContent(const Content& c);

 protected:
  void mouseReleaseEvent(QMouseEvent* e) override;
  void contextMenuEvent(QContextMenuEvent* e) override;
  void keyPressEvent(QKeyEvent* e) override;
  void wheelEvent(QWheelEvent* e) override;
  void resizeEvent(QResizeEvent* e) override;

 private:
  /// The legend's place (ChartLegend.h), for a chart `width` pixels wide (-1: the chart's width).
  void placeLegend(int width = -1);
  /// The legend's entries: every series' marker but the bands' and those drawn without an entry (whether or
  /// not the legend is shown now: a marker of a hidden legend reads as not visible).
  QList<QLegendMarker*> legendMarkers() const;
  void rebuildAxes();
  void fitRanges();

  void applyPens();
  void showMarkers();
  static bool& dark_default();

  bool log_x_ = false, log_y_ = false;
  double band_fit_from_ = 0;
  double band_lo_ = -HUGE_VAL, band_hi_ = HUGE_VAL;
  QString y2_suffix_, y2_title_;
  bool secondary(const QString& name) const { return !y2_suffix_.isEmpty() && name.endsWith(y2_suffix_); }
  bool dark_ = false;
  QString x_title_, y_title_;
  QString provenance_;
  struct Entry {
    QLineSeries* line = nullptr;
    QLineSeries* upper = nullptr;
    QLineSeries* lower = nullptr;
    QAreaSeries* area = nullptr;
    QColor colour;
    bool dashed = false;  ///< a pinned run's overlay
    bool legend = true;   ///< false: no legend entry of its own
  };
  QList<QPair<QString, Entry>> entries_;
  bool distinct_styles_ = false;
  bool legend_shown_ = true;
  QLineSeries* reference_ = nullptr;
  double reference_y_ = 0;
  bool has_reference_ = false;
  QLineSeries* vreference_ = nullptr;
  double vreference_x_ = 0;
};

}  // namespace ts::ui
