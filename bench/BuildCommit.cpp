// The one translation unit that sees the generated commit header, kept tiny: a new commit recompiles this
// file alone (cmake/GitCommit.cmake rewrites the header only when the text changes).
#include "GitCommit.h"

namespace ts::bench {

const char* build_commit() { return TS_GIT_COMMIT; }

}  // namespace ts::bench
