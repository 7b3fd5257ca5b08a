// libFuzzer target: the .npy reader (as inputs and as labels) and the .npz reader, with its zip layer read
// member by member (stored and deflated, CRC-32 checked), under a small memory budget.
#include <algorithm>
#include <vector>

#include "FuzzSupport.h"
#include "core/Errors.h"
#include "data/ByteStream.h"
#include "data/NumpyFiles.h"
#include "data/ZipArchive.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = ts::fuzz::as_file(data, size, ".npy");
  const int64_t budget = int64_t(16) << 20;  // larger announced arrays are refused from their headers
  try {
    (void)ts::load_npy(path, path, budget);
  } catch (const ts::Error&) {
  }
  try {
    (void)ts::load_npz(path, "", "", budget);
  } catch (const ts::Error&) {
  }
  try {
    const ts::ZipArchive zip(path, "fuzz archive");
    for (const auto& member : zip.members()) {
      try {
        auto in = zip.open(member);
        std::vector<char> buffer(4096);
        while (in->position() < in->size()) {
          const size_t n =
              static_cast<size_t>(std::min<uint64_t>(buffer.size(), in->size() - in->position()));
          in->read(buffer.data(), n);
        }
        in->finish();
      } catch (const ts::Error&) {
      }
      try {
        auto in = zip.open(member);
        (void)ts::read_npy(*in, budget);
      } catch (const ts::Error&) {
      }
    }
  } catch (const ts::Error&) {
  }
  return 0;
}
