#pragma once
// Checks on a file the user names, made before it is opened: opening a FIFO blocks until a writer comes (and
// a blocked open() ignores the cancel flag a signal sets), a device never ends, a folder reads as nothing.
#include <string>

namespace ts {

/// Throws InputError "`name`: is a FIFO (named pipe), not a regular file…" when `path` exists (after
/// following symbolic links) and is a folder, a FIFO, a socket or a device. A path that does not exist or
/// cannot be examined is left to the reader's own message. `name` is how the message names the file, e.g.
/// "data file 'x.npy'".
void reject_special_file(const std::string& path, const std::string& name);

}  // namespace ts
