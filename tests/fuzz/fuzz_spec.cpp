// libFuzzer target: model and data specs ("kind:key=value,..."), as typed in the CLI and the app. Built-in
// models and generated data are built under a 4 MB memory budget, so a valid spec is cheap to run.
#include "FuzzSupport.h"
#include "core/Config.h"
#include "core/Errors.h"
#include "data/Data.h"
#include "io/Spec.h"
#include "models/Model.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  if (text.find('/') != std::string::npos) return 0;  // no file paths: this target is about the spec grammar
  ts::ComputeConfig c;
  c.memory_budget = int64_t(4) << 20;
  try {
    const ts::Spec s = ts::Spec::parse(text);
    (void)ts::parse_shape(text, "fuzz");
    const std::string kind = s.kind();
    if (kind == "mlp" || kind == "gru" || kind == "cnn")
      (void)ts::make_model(text, {}, c);
    else if (kind == "random" || kind == "moons" || kind == "spirals" || kind == "blobs" || kind == "sine")
      (void)ts::load_data(text, {}, 0, c.memory_budget);
  } catch (const ts::Error&) {
  }
  return 0;
}
