// What this build of ltskit is. The version is set once, in the top-level
// CMakeLists.txt (`project(ltskit VERSION …)`), and read from here by the
// CLI (--version), the VEX documents (tooling) and everything else.
#pragma once

namespace ltskit {

const char* ltskit_version();  // "0.1.0"

}  // namespace ltskit
