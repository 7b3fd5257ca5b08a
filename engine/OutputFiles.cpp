#include "OutputFiles.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "Errors.h"

namespace ts {

void ensure_output_dir(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw InputError("output folder '" + dir + "' cannot be created: " + ec.message());
  const std::string probe = dir + "/.tangentscope-write-test";
  {
    std::ofstream f(probe);
    if (!f) throw InputError("output folder '" + dir + "' is not writable: " + std::strerror(errno));
  }
  std::remove(probe.c_str());
}

void write_text_file(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".partial";
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    if (!f) throw InputError("cannot write '" + path + "': " + std::strerror(errno));
    f << text;
    f.flush();
    if (!f) {
      f.close();
      std::remove(tmp.c_str());
      throw InputError("cannot write '" + path + "' (disk full?): " + std::strerror(errno));
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const std::string why = std::strerror(errno);
    std::remove(tmp.c_str());
    throw InputError("cannot write '" + path + "': " + why);
  }
}

}  // namespace ts
