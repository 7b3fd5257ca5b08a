// libFuzzer target: the session reader (ui/session/SessionFile.h), which checks every member of a .tsession
// before the window builds anything from it. A refusal must be an InputError; a session it reads, it writes,
// reads back and writes again to the same text.
#include <cstdlib>

#include "FuzzSupport.h"
#include "core/Errors.h"
#include "session/SessionFile.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ts::session;
  std::string text;
  try {
    text = session_text(read_session(std::string(reinterpret_cast<const char*>(data), size), "fuzz input"));
  } catch (const ts::Error&) {
    return 0;
  }
  if (session_text(read_session(text, "round trip")) != text)
    std::abort();  // a refusal here is a finding too
  return 0;
}
