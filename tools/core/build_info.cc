#include "tools/core/build_info.h"

namespace ltskit {

const char* ltskit_version() { return LTSKIT_VERSION_STRING; }

}  // namespace ltskit
