#include "core/FileChecks.h"

#include <sys/stat.h>

#include <cerrno>

#include "core/Errors.h"

namespace ts {

void reject_special_file(const std::string& path, const std::string& name) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ELOOP) throw InputError(name + ": a loop of symbolic links");
    return;
  }
  if (S_ISREG(st.st_mode)) return;
  if (S_ISDIR(st.st_mode)) throw InputError(name + ": is a folder, not a file");
  if (S_ISFIFO(st.st_mode))
    throw InputError(name +
                     ": is a FIFO (named pipe), not a regular file: save its contents to a file first");
  if (S_ISSOCK(st.st_mode)) throw InputError(name + ": is a socket, not a regular file");
  if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode))
    throw InputError(name + ": is a device, not a regular file");
  throw InputError(name + ": is not a regular file");
}

}  // namespace ts
