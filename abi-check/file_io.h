// Whole-file reads and atomic, durable file replacement, for dumps and
// suppressions files. Plain POSIX; abi-check depends on nothing else of
// ltskit.
#pragma once

#include <string>
#include <string_view>

#include "abi-check/abi_model.h"

namespace ltskit::abi {

// The bytes of the regular file at `path`. Errors name the path: kNotFound,
// kIo, or kInvalid for a folder or device.
Expected<std::string> read_file(const std::string& path);

// Replaces the file at `path` with `contents`, atomically and durably: the
// bytes go to a new temporary file beside it (mkstemp, ".NAME.tmp-XXXXXX"),
// which is fsynced and renamed over `path`, then the folder is fsynced. A
// reader sees the old file or the new one, never part of either; after a
// crash, one of the two is there. On any failure before the rename the
// temporary file is removed and `path` is left as it was; an error after the
// rename (syncing the folder) means `path` holds the new contents but may not
// survive a crash. A new file gets mode 0666 less the umask; a replaced file
// keeps its mode. Errors name `path`: kNotFound when its folder does not
// exist, kIo otherwise.
Expected<bool> write_file_atomically(const std::string& path, std::string_view contents);

}  // namespace ltskit::abi
