// libFuzzer target: the IDX reader (MNIST and Fashion-MNIST files, plain or gzip).
#include "FuzzSupport.h"
#include "core/Errors.h"
#include "data/Data.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = ts::fuzz::as_file(data, size, ".idx");
  try {
    (void)ts::read_idx(path);
  } catch (const ts::Error&) {
  }
  return 0;
}
