// libFuzzer target: the JSON reader (nlohmann-json behind ts::parse_json) (result, reference and
// configuration files).
#include "FuzzSupport.h"
#include "core/Errors.h"
#include "core/Json.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    const ts::Json j = ts::parse_json(std::string(reinterpret_cast<const char*>(data), size), "fuzz input");
    (void)ts::parse_json(ts::json_text(j), "round trip");  // what it writes, it reads back
  } catch (const ts::Error&) {
  }
  return 0;
}
