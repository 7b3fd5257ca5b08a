#include "data/Data.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/Errors.h"
#include "core/FileChecks.h"
#include "core/Numbers.h"
#include "core/TorchUtil.h"
#include "data/DataSourceCatalog.h"
#include "data/NumpyFiles.h"
#include "io/Spec.h"

namespace ts {

std::vector<int64_t> Dataset::input_shape() const {
  auto s = inputs.sizes().vec();
  return std::vector<int64_t>(s.begin() + 1, s.end());
}

Dataset random_normal(int64_t n, const std::vector<int64_t>& shape, uint64_t seed, int64_t classes) {
  if (n <= 0) throw InputError("random data: n must be positive, got " + std::to_string(n));
  std::vector<int64_t> full{n};
  full.insert(full.end(), shape.begin(), shape.end());
  auto gen = make_generator(seed);
  Dataset d;
  d.inputs = draw_normal(gen, full, at::TensorOptions().dtype(at::kDouble));
  if (classes > 0) {
    d.labels = at::randint(0, classes, {n}, gen, at::TensorOptions().dtype(at::kLong));
    d.num_classes = classes;
  }
  d.description = "random normal: " + std::to_string(n) + " inputs of shape [" + shape_to_string(shape) +
                  "], seed " + std::to_string(seed);
  return d;
}

Dataset random_integers(int64_t n, const std::vector<int64_t>& shape, const InputType& type, uint64_t seed,
                        int64_t classes) {
  if (n <= 0) throw InputError("random data: n must be positive, got " + std::to_string(n));
  if (!type.integer() || !type.has_range())
    throw InputError("random integers need an integer dtype and a range [low, high) with low < high");
  std::vector<int64_t> full{n};
  full.insert(full.end(), shape.begin(), shape.end());
  auto gen = make_generator(seed);
  Dataset d;
  d.inputs = at::randint(type.low, type.high, full, gen, at::TensorOptions().dtype(at::kLong)).to(type.dtype);
  if (classes > 0) {
    d.labels = at::randint(0, classes, {n}, gen, at::TensorOptions().dtype(at::kLong));
    d.num_classes = classes;
  }
  d.description = "random " + type.name() + " in [" + std::to_string(type.low) + ", " +
                  std::to_string(type.high) + "): " + std::to_string(n) + " inputs of shape [" +
                  shape_to_string(shape) + "], seed " + std::to_string(seed);
  return d;
}

namespace {

// Inputs for a model taking integers: integer arrays as they are (int64 → int32 checked), floating ones only
// when every value is an integer; `what` names the data in errors.
at::Tensor integer_inputs(const at::Tensor& x, const InputType& type, const std::string& what) {
  const std::string dtype = type.name();
  at::Tensor v = x;
  if (x.is_floating_point()) {
    const at::Tensor bad = (x != x.floor()).logical_or(at::isfinite(x).logical_not()).reshape({-1});
    if (bad.any().item<bool>()) {
      const int64_t i = at::nonzero(bad)[0][0].item<int64_t>();
      throw InputError("data '" + what + "': the model takes integer inputs (" + dtype + ") but value " +
                       std::to_string(i) + " is " + format_number(x.reshape({-1})[i].item<double>()) +
                       ", not an integer: give integer data (e.g. an int64 .npy)");
    }
    v = x.to(at::kLong);
  }
  if (type.dtype == at::kInt && v.numel() > 0 &&
      (v.max().item<int64_t>() > INT32_MAX || v.min().item<int64_t>() < INT32_MIN))
    throw InputError("data '" + what + "': the model takes int32 inputs but the data holds values from " +
                     std::to_string(v.min().item<int64_t>()) + " to " +
                     std::to_string(v.max().item<int64_t>()));
  return v.to(type.dtype);
}

bool parse_cell(const std::string& cell, double* out) {
  size_t b = cell.find_first_not_of(" \t\r"), e = cell.find_last_not_of(" \t\r");
  if (b == std::string::npos) return false;
  const std::string t = cell.substr(b, e - b + 1);
  return parse_number(std::string_view(t), out);
}

std::vector<std::string> split_csv_line(const std::string& line) {
  std::vector<std::string> cells;
  std::string cell;
  std::stringstream ss(line);
  while (std::getline(ss, cell, ',')) cells.push_back(cell);
  if (!line.empty() && line.back() == ',') cells.push_back("");
  return cells;
}

}  // namespace

Dataset load_csv(const std::string& path, const std::string& label, const std::string& header) {
  reject_special_file(path, "CSV file '" + path + "'");
  std::ifstream f(path);
  if (!f) throw InputError("CSV file '" + path + "': not found or not readable");
  std::vector<std::vector<double>> rows;
  std::string line;
  size_t line_no = 0, width = 0;
  bool first = true;
  while (std::getline(f, line)) {
    ++line_no;
    if (line_no == 1 && line.rfind("\xEF\xBB\xBF", 0) == 0) line.erase(0, 3);  // a UTF-8 byte-order mark
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    const auto cells = split_csv_line(line);
    std::vector<double> row(cells.size());
    size_t bad = cells.size();
    size_t numeric = 0;
    for (size_t c = 0; c < cells.size(); ++c) {
      if (parse_cell(cells[c], &row[c]))
        ++numeric;
      else if (bad == cells.size())
        bad = c;
    }
    if (first) {
      first = false;
      const bool is_header = header == "yes" || (header == "auto" && numeric == 0);
      if (is_header) continue;
    }
    if (bad != cells.size())
      throw InputError("CSV file '" + path + "' line " + std::to_string(line_no) + " column " +
                       std::to_string(bad + 1) + ": '" + cells[bad] + "' is not a number");
    if (width == 0) width = row.size();
    if (row.size() != width)
      throw InputError("CSV file '" + path + "' line " + std::to_string(line_no) + " has " +
                       std::to_string(row.size()) + " columns, earlier rows have " + std::to_string(width) +
                       " (ragged rows)");
    for (size_t c = 0; c < row.size(); ++c)
      if (!std::isfinite(row[c]))
        throw InputError("CSV file '" + path + "' line " + std::to_string(line_no) + " column " +
                         std::to_string(c + 1) + ": value is NaN or infinite");
    rows.push_back(std::move(row));
  }
  if (rows.empty()) throw InputError("CSV file '" + path + "' has no data rows");
  int64_t label_col = -1;
  if (!label.empty() && label != "none") {
    if (label == "last")
      label_col = static_cast<int64_t>(width) - 1;
    else if (label == "first")
      label_col = 0;
    else {
      char* end = nullptr;
      label_col = std::strtol(label.c_str(), &end, 10);
      if (*end != '\0' || label_col < 0 || label_col >= static_cast<int64_t>(width))
        throw InputError("CSV file '" + path + "': label column '" + label +
                         "' is not last, first or a column index below " + std::to_string(width));
    }
  }
  const int64_t n = static_cast<int64_t>(rows.size());
  const int64_t features = static_cast<int64_t>(width) - (label_col >= 0 ? 1 : 0);
  if (features <= 0) throw InputError("CSV file '" + path + "' has no feature columns");
  Dataset d;
  d.inputs = at::empty({n, features}, at::kDouble);
  auto acc = d.inputs.accessor<double, 2>();
  if (label_col >= 0) d.labels = at::empty({n}, at::kLong);
  for (int64_t i = 0; i < n; ++i) {
    int64_t c = 0;
    for (int64_t j = 0; j < static_cast<int64_t>(width); ++j) {
      const double v = rows[static_cast<size_t>(i)][static_cast<size_t>(j)];
      if (j == label_col) {
        if (v < 0 || v != std::floor(v) || v > 9007199254740992.0)
          throw InputError("CSV file '" + path + "' data row " + std::to_string(i + 1) + ": label " +
                           format_number(v) + " is not an integer between 0 and 2^53");
        d.labels[i] = static_cast<int64_t>(v);
      } else {
        acc[i][c++] = v;
      }
    }
  }
  std::string remapped;
  if (label_col >= 0) {
    // Classes are 0…C−1. Sparse labels (3, 17, 1000004) are remapped in sorted order, the originals kept as
    // the class names; a column with more distinct values than any classifier has is refused before any
    // split.
    std::vector<int64_t> values(d.labels.data_ptr<int64_t>(), d.labels.data_ptr<int64_t>() + n);
    std::sort(values.begin(), values.end());
    values.erase(std::unique(values.begin(), values.end()), values.end());
    const int64_t kMaxClasses = 10000;
    if (static_cast<int64_t>(values.size()) > kMaxClasses)
      throw InputError("CSV file '" + path + "': the label column (" + label + ") has " +
                       std::to_string(values.size()) + " distinct values, more than " +
                       std::to_string(kMaxClasses) +
                       " classes (is it an ID column? choose another with label=INDEX, or label=none)");
    d.num_classes = static_cast<int64_t>(values.size());
    for (const int64_t v : values) d.class_names.push_back(std::to_string(v));
    if (values.back() != d.num_classes - 1) {
      auto* lab = d.labels.data_ptr<int64_t>();
      for (int64_t i = 0; i < n; ++i)
        lab[i] = std::lower_bound(values.begin(), values.end(), lab[i]) - values.begin();
      remapped = " (labels " + std::to_string(values.front()) + "…" + std::to_string(values.back()) +
                 " remapped to 0…" + std::to_string(d.num_classes - 1) + " in sorted order)";
    }
  }
  d.description = "CSV " + path + ": " + std::to_string(n) + " rows, " + std::to_string(features) +
                  " features" +
                  (label_col >= 0 ? ", " + std::to_string(d.num_classes) + " classes" + remapped : "");
  return d;
}

std::string data_dir() {
  const char* env = std::getenv("TS_DATA_DIR");
  if (env && *env) return env;
  std::error_code ec;
#ifdef TS_DEFAULT_DATA_DIR
  if (std::filesystem::is_directory(TS_DEFAULT_DATA_DIR, ec)) return TS_DEFAULT_DATA_DIR;  // the checkout's
#endif
  // An installed package: PREFIX/share/tangentscope/data beside PREFIX/bin, wherever PREFIX is.
  const std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    const std::filesystem::path shared = exe.parent_path().parent_path() / "share" / "tangentscope" / "data";
    if (std::filesystem::is_directory(shared, ec)) return shared.string();
  }
  return "data";
}

Dataset load_data(const std::string& text, const std::vector<int64_t>& model_shape, uint64_t default_seed,
                  int64_t memory_budget, const InputType& input_type) {
  const Spec spec = Spec::parse(text);
  const DataSourceInfo& source = find_data_source(spec.kind(), "data spec '" + text + "'");
  if (source.generated && spec.has("n") && spec.has("size"))
    throw InputError("data spec '" + text + "': give n or size, not both (for " + source.kind +
                     " both are the number of points)");
  const uint64_t seed = spec.get_seed("seed", default_seed);
  const int64_t n = spec.get_int("n", source.default_n, 0, int64_t(1) << 40);
  const bool standard = spec.get_bool("standardize", false);
  const DataLoadContext context{spec, model_shape, seed, n, memory_budget, input_type};
  Dataset d = source.load(context);
  if (source.raw) return d;  // drawn as asked: n is its size, not a subset
  if (!source.generated && n > 0) d = subset(d, n, seed);
  if (input_type.integer()) {
    if (standard)
      throw InputError("data spec '" + text + "': standardize=1 would turn the integer inputs (" +
                       input_type.name() + ") this model takes into real numbers: leave it out");
    d.inputs = integer_inputs(d.inputs, input_type, text);
  } else if (!d.inputs.is_floating_point()) {
    d.inputs = d.inputs.to(at::kDouble);  // a float model gets floats, whatever the file held
  }
  if (standard) d = standardize(d, d);
  if (!model_shape.empty() && d.input_shape() != model_shape) {
    int64_t want = 1;
    for (auto s : model_shape) want *= s;
    const int64_t have = d.inputs[0].numel();
    if (want != have)
      throw InputError("data '" + text + "': each input has " + std::to_string(have) +
                       " values but the model takes [" + shape_to_string(model_shape) +
                       "] = " + std::to_string(want));
    std::vector<int64_t> full{d.size()};
    full.insert(full.end(), model_shape.begin(), model_shape.end());
    d.inputs = d.inputs.reshape(full);
  }
  return d;
}

at::Tensor one_hot_targets(const Dataset& data, int64_t outputs) {
  if (!data.labels.defined())
    throw InputError("kernel-target alignment needs labels: " + data.description + " has none");
  if (data.num_classes > outputs)
    throw InputError("the data has " + std::to_string(data.num_classes) + " classes but the model has " +
                     std::to_string(outputs) + " outputs per input");
  return at::one_hot(data.labels, outputs).to(at::kDouble).reshape({-1});
}

at::Tensor target_matrix(const Dataset& data, int64_t outputs) {
  if (data.labels.defined()) return one_hot_targets(data, outputs).reshape({data.size(), outputs});
  if (data.targets.defined() && data.targets.numel() == data.size() * outputs)
    return data.targets.reshape({data.size(), outputs}).to(at::kDouble);
  throw InputError(data.description + " has neither labels nor " + std::to_string(outputs) +
                   " regression targets per input");
}

}  // namespace ts
