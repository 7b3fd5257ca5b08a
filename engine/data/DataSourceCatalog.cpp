#include "data/DataSourceCatalog.h"

#include "core/Errors.h"
#include "core/Numbers.h"
#include "core/TorchUtil.h"
#include "data/Data.h"
#include "data/NumpyFiles.h"
#include "io/Spec.h"

namespace ts {

namespace {

const std::vector<std::string> kFashionClasses{"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                               "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
std::vector<std::string> digit_names() {
  std::vector<std::string> v;
  for (int c = 0; c < 10; ++c) v.push_back(std::to_string(c));
  return v;
}

Dataset load_random(const DataLoadContext& c) {
  const Spec& spec = c.spec;
  const auto shape = spec.get_shape("shape", c.model_shape);
  if (shape.empty())
    throw InputError("data spec '" + spec.text() + "': give shape=... (the shape of one input)");
  const int64_t classes = spec.get_int("classes", 0, 0, 100000);
  spec.finish();
  if (c.n < 1) throw InputError("data spec '" + spec.text() + "': n must be at least 1");
  double bytes = 8.0 * static_cast<double>(c.n);
  for (auto s : shape) bytes *= static_cast<double>(s);
  if (bytes > static_cast<double>(c.memory_budget))
    throw MemoryBudgetError("data spec '" + spec.text() + "' needs " + format_bytes(bytes) +
                            " for its inputs, over the memory budget of " +
                            format_bytes(double(c.memory_budget)) + " (--memory-budget)");
  if (c.input_type.integer() && !c.input_type.has_range())
    throw InputError("data spec '" + spec.text() + "': the model takes integer inputs (" +
                     c.input_type.name() +
                     ") but records no range to draw random ones from: give integer data (e.g. npy:FILE "
                     "of int64), or export the model with scripts/export-model --input-range LOW,HIGH");
  if (c.input_type.integer()) return random_integers(c.n, shape, c.input_type, c.seed, classes);
  return random_normal(c.n, shape, c.seed, classes);
}

Dataset load_csv_source(const DataLoadContext& c) {
  const std::string path = c.spec.require("path");
  const std::string label = c.spec.get("label", "");
  const std::string header = c.spec.get("header", "auto");
  if (header != "auto" && header != "yes" && header != "no")
    throw InputError("data spec '" + c.spec.text() + "': header must be auto, yes or no, got '" + header +
                     "'");
  c.spec.finish();
  return load_csv(path, label, header);
}

Dataset load_npy_source(const DataLoadContext& c) {
  const std::string path = c.spec.require("path");
  const std::string labels = c.spec.get("labels", "");
  c.spec.finish();
  return load_npy(path, labels, c.memory_budget, c.input_type.integer());
}

Dataset load_npz_source(const DataLoadContext& c) {
  const std::string path = c.spec.require("path");
  const std::string x = c.spec.get("x", ""), y = c.spec.get("y", "");
  c.spec.finish();
  return load_npz(path, x, y, c.memory_budget, c.input_type.integer());
}

Dataset load_images_source(const DataLoadContext& c) {
  const std::string dir = c.spec.require("path");
  const std::string channels = c.spec.get("channels", "auto");
  c.spec.finish();
  return load_image_folders(dir, channels, c.n, c.seed, c.memory_budget);
}

Dataset load_digits_source(const DataLoadContext& c) {
  const std::string path = c.spec.get("path", data_dir() + "/sklearn/digits.csv.gz");
  c.spec.finish();
  return load_digits(path);
}

Dataset load_idx_source(const DataLoadContext& c, bool fashion) {
  const std::string dir = c.spec.get("path", data_dir() + (fashion ? "/fashion-mnist" : "/mnist"));
  const std::string split = c.spec.get("split", "train");
  c.spec.finish();
  return load_idx_pair(dir, split, fashion ? kFashionClasses : digit_names(),
                       fashion ? "Fashion-MNIST" : "MNIST");
}

Dataset load_cifar10_source(const DataLoadContext& c) {
  const std::string dir = c.spec.get("path", data_dir() + "/cifar-10-batches-bin");
  const std::string split = c.spec.get("split", "train");
  c.spec.finish();
  return load_cifar10(dir, split, c.memory_budget);
}

Dataset load_cifar100_source(const DataLoadContext& c) {
  const std::string dir = c.spec.get("path", data_dir() + "/cifar-100-binary");
  const std::string split = c.spec.get("split", "train");
  const std::string labels = c.spec.get("labels", "fine");
  c.spec.finish();
  return load_cifar100(dir, split, labels, c.memory_budget);
}

// Generated sets: n= is a synonym of size= (load_data refuses both at once).
int64_t size_of(const DataLoadContext& c, int64_t fallback, int64_t lo) {
  return c.spec.get_int("size", c.n > 0 ? c.n : fallback, lo, int64_t(1) << 30);
}

Dataset make_moons_source(const DataLoadContext& c) {
  const double noise = c.spec.get_double("noise", 0.1, 0.0, 1e6);
  const int64_t size = size_of(c, 200, 2);
  c.spec.finish();
  return make_moons(size, noise, c.seed);
}

Dataset make_spirals_source(const DataLoadContext& c) {
  const double noise = c.spec.get_double("noise", 0.1, 0.0, 1e6);
  const int64_t classes = c.spec.get_int("classes", 3, 2, 1000);
  const int64_t size = size_of(c, 300, 2);
  c.spec.finish();
  return make_spirals(size, classes, noise, c.seed);
}

Dataset make_blobs_source(const DataLoadContext& c) {
  const int64_t classes = c.spec.get_int("classes", 3, 1, 1000), dim = c.spec.get_int("dim", 2, 1, 100000);
  const double std = c.spec.get_double("std", 1.0, 0.0, 1e6),
               spread = c.spec.get_double("spread", 5.0, 0.0, 1e6);
  const int64_t size = size_of(c, 300, 1);
  c.spec.finish();
  return make_blobs(size, classes, dim, std, spread, c.seed);
}

Dataset make_sine_source(const DataLoadContext& c) {
  const double noise = c.spec.get_double("noise", 0.1, 0.0, 1e6);
  const int64_t size = size_of(c, 200, 1);
  c.spec.finish();
  return make_sine(size, noise, c.seed);
}

DataSourceInfo source(std::string kind, std::string label, std::string syntax, std::string summary,
                      Dataset (*load)(const DataLoadContext&)) {
  DataSourceInfo s;
  s.kind = std::move(kind);
  s.label = std::move(label);
  s.syntax = std::move(syntax);
  s.summary = std::move(summary);
  s.load = load;
  return s;
}

DataSourceInfo listed(DataSourceInfo s, std::vector<int64_t> shape, int64_t classes, std::string al_example,
                      std::string fetch = {}) {
  s.app_listed = true;
  s.al_example = std::move(al_example);
  s.shape = std::move(shape);
  s.classes = classes;
  s.fetch = std::move(fetch);
  return s;
}

DataSourceInfo generated(DataSourceInfo s) {
  s.generated = true;
  return s;
}

std::vector<DataSourceInfo> make_sources() {
  std::vector<DataSourceInfo> v;
  DataSourceInfo random =
      source("random", "Random inputs", "random:n=50,shape=100,seed=0[,classes=10]",
             "inputs drawn from N(0, 1) (integers from the model's range for token models)", load_random);
  random.raw = true;
  random.default_n = 50;
  v.push_back(random);
  v.push_back(source("csv", "CSV file", "csv:PATH[,label=last][,header=auto|yes|no]",
                     "a numeric CSV, one flattened input per row, labels in a column", load_csv_source));
  v.push_back(listed(source("digits", "Digits", "digits",
                            "scikit-learn's 1,797 8×8 handwritten digits, 10 classes", load_digits_source),
                     {1, 8, 8}, 10, "digits"));
  v.push_back(listed(source("mnist", "MNIST", "mnist[:DIR][,split=train|test]",
                            "LeCun et al.'s 28×28 handwritten digits, 10 classes",
                            [](const DataLoadContext& c) { return load_idx_source(c, false); }),
                     {1, 28, 28}, 10, "mnist:n=6000", "mnist"));
  v.push_back(listed(source("fashion-mnist", "Fashion-MNIST", "fashion-mnist[:DIR][,split=train|test]",
                            "Zalando's 28×28 clothing images, 10 classes",
                            [](const DataLoadContext& c) { return load_idx_source(c, true); }),
                     {1, 28, 28}, 10, "fashion-mnist:n=6000", "fashion-mnist"));
  v.push_back(listed(source("cifar10", "CIFAR-10", "cifar10[:DIR][,split=train|test]",
                            "Krizhevsky's 32×32 colour images, 10 classes", load_cifar10_source),
                     {3, 32, 32}, 10, "cifar10:n=6000"));
  v.push_back(source("cifar100", "CIFAR-100", "cifar100[:DIR][,split=train|test][,labels=fine|coarse]",
                     "Krizhevsky's 32×32 colour images, 100 fine or 20 coarse classes",
                     load_cifar100_source));
  v.push_back(source("npy", "NumPy array", "npy:PATH[,labels=PATH]",
                     "a .npy of inputs, labels in a second .npy", load_npy_source));
  v.push_back(source("npz", "NumPy archive", "npz:PATH[,x=KEY][,y=KEY|none]",
                     "a .npz holding the inputs and labels", load_npz_source));
  v.push_back(source("images", "Image folders", "images:DIR[,channels=auto|1|3]",
                     "PNG or JPEG images in one folder per class", load_images_source));
  v.push_back(listed(generated(source("moons", "Two moons", "moons:size=200,noise=0.1",
                                      "two interleaving half-moons in 2-D, 2 classes", make_moons_source)),
                     {2}, 2, "moons:size=600,noise=0.15"));
  v.push_back(listed(generated(source("spirals", "Spirals", "spirals:size=300,classes=3,noise=0.1",
                                      "interleaved spirals in 2-D, one class each", make_spirals_source)),
                     {2}, 3, "spirals:size=600,classes=3"));
  v.push_back(
      listed(generated(source("blobs", "Gaussian blobs", "blobs:size=300,classes=3,dim=2,std=1,spread=5",
                              "Gaussian clusters around random centres, one class each", make_blobs_source)),
             {2}, 3, "blobs:size=600,classes=4,spread=4"));
  v.push_back(listed(
      generated(source("sine", "Sine regression", "sine:size=200,noise=0.1",
                       "1-D regression: x uniform on [−π, π], target sin x plus noise", make_sine_source)),
      {1}, 0, ""));
  return v;
}

}  // namespace

const std::vector<DataSourceInfo>& data_sources() {
  static const std::vector<DataSourceInfo> v = make_sources();
  return v;
}

std::string data_source_list() {
  std::string s;
  for (const auto& d : data_sources()) s += (s.empty() ? "" : ", ") + d.kind;
  return s;
}

const DataSourceInfo& find_data_source(const std::string& kind, const std::string& what) {
  for (const auto& d : data_sources())
    if (d.kind == kind) return d;
  throw InputError(what + ": kind '" + kind + "' is not one of " + data_source_list());
}

}  // namespace ts
