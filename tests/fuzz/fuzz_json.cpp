// libFuzzer target: the JSON reader (result, reference and configuration files).
#include "FuzzSupport.h"
#include "core/Errors.h"
#include "io/Json.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    const ts::Json j = ts::Json::parse(std::string(reinterpret_cast<const char*>(data), size), "fuzz input");
    (void)ts::Json::parse(j.dump(), "round trip");  // what it writes, it reads back
  } catch (const ts::Error&) {
  }
  return 0;
}
