// libFuzzer target: the CSV reader (with and without labels and headers) and the digits reader.
#include "FuzzSupport.h"
#include "core/Errors.h"
#include "data/Data.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = ts::fuzz::as_file(data, size, ".csv");
  for (const char* label : {"last", "first", "", "1"})
    for (const char* header : {"auto", "yes", "no"}) {
      try {
        (void)ts::load_csv(path, label, header);
      } catch (const ts::Error&) {
      }
    }
  try {
    (void)ts::load_digits(path);
  } catch (const ts::Error&) {
  }
  return 0;
}
