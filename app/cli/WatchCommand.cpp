// tangentscope-cli watch RUN_DIR…: the NTK metrics of a user's own training runs (jobs/WatchJob.h), a line
// per snapshot as each is analysed.
#include <any>
#include <ostream>

#include "CliCommon.h"
#include "core/Errors.h"
#include "core/Json.h"
#include "core/Numbers.h"
#include "core/ResultsJson.h"
#include "jobs/WatchJob.h"

namespace ts::cli {

namespace {

// "tr K 12.5 ± 0.3": the metric's short name, its value and error, as a line of the table.
std::string watch_cell(const MetricValue& m) {
  std::string label = m.name;
  for (const auto& w : watch_metrics())
    if (m.name == w.name) label = w.short_label;
  std::string s = label + " " + fmt(m.value);
  if (m.std_error) s += " ± " + format_number(2 * *m.std_error, 3);
  return s;
}

}  // namespace

int cmd_watch(const Args& a, std::ostream& out) {
  WatchRequest job;
  job.runs = a.positionals();
  job.compute = compute_from(a);
  if (!a.has("dtype")) job.compute.dtype.clear();  // each run in the precision it trained in
  job.params = a.get("params", "all");
  job.jvp = a.get("jvp", job.jvp);
  job.estimator = estimator_from(a);
  job.exact = a.flag("exact");
  job.layers = a.flag("layers");
  job.follow = a.flag("follow");
  const bool json = a.flag("json");
  RunControl rc = cli_control();
  int64_t rows = 0;
  rc.partial = [&](const PartialResult& p) {
    if (p.kind != "watch-row") return;
    const auto& row = std::any_cast<const WatchRow&>(p.value);
    ++rows;
    if (json) {
      Json j = Json::object();
      j["run"] = row.run;
      j["step"] = row.step;
      j["seconds"] = row.seconds;
      j["metrics"] = json_array(row.metrics);
      out << json_text(j) << "\n" << std::flush;
      return;
    }
    out << row.run << " step " << row.step << ":";
    for (const auto& m : row.metrics) out << "  " << watch_cell(m);
    for (const auto& l : row.layers) {
      out << "\n    " << l.name << ": tr K_g " << fmt(l.trace);
      if (l.std_error) out << " ± " << format_number(2 * *l.std_error, 3);
      out << " (" << format_number(100 * l.share, 3) << "%)";
    }
    out << "  (" << format_number(row.seconds, 3) << " s)\n" << std::flush;
  };
  try {
    const WatchResult r = run_watch_job(job, rc);
    if (!json) {
      out << "watch: " << r.rows.size() << " snapshot" << (r.rows.size() == 1 ? "" : "s") << " analysed";
      if (r.skipped > 0) out << ", " << r.skipped << " analysed earlier (kept)";
      out << "; errors are ±2σ; metrics in RUN_DIR/metrics.jsonl\n";
    }
  } catch (const Cancelled&) {
    warnings() << "tangentscope-cli: watch stopped; " << rows
               << " snapshot(s) analysed in this watch are kept in metrics.jsonl\n";
    throw;
  }
  return 0;
}

}  // namespace ts::cli
