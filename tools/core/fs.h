// File-system helpers shared by every stage.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "tools/core/error.h"

namespace ltskit {

// Writes `contents` to `path` atomically: a temporary file beside it is
// written, fsync'ed and renamed over `path`, and the folder is fsync'ed. A
// reader sees the old contents or the new ones, never a mix; on failure the
// temporary file is removed and `path` is untouched.
Status atomic_write_file(const std::filesystem::path& path, std::string_view contents, unsigned mode = 0644);

// Writes a command's output file (`vex -o PATH`): a regular file (or a new
// one) is replaced atomically with atomic_write_file, keeping its mode; a
// symbolic link is followed and its target treated the same way (the link
// stays); anything else that exists (a device such as /dev/null or
// /dev/stdout, a FIFO) is opened and written through, never replaced.
Status write_output_file(const std::filesystem::path& path, std::string_view contents);

// Writes all of `data` to the open `fd`, through short writes and EINTR.
// The error names `path`; the caller still owns (and closes) `fd`.
Status write_all(int fd, std::string_view data, const std::filesystem::path& path);

Result<std::string> read_file(const std::filesystem::path& path);

// Creates `path` and its parents; an existing folder is fine.
Status make_dirs(const std::filesystem::path& path);

// The current time as "YYYY-MM-DDTHH:MM:SSZ".
std::string now_utc();
// A Unix time as "YYYY-MM-DDTHH:MM:SSZ".
std::string format_utc(int64_t unix_seconds);
// Parses "YYYY-MM-DDTHH:MM:SSZ" (as format_utc writes it) into a Unix time;
// nullopt when malformed.
std::optional<int64_t> parse_utc(std::string_view timestamp);
// Parses "YYYY-MM-DD" into the Unix time of its 00:00:00 UTC.
Result<int64_t> parse_date(std::string_view date);
bool looks_like_date(std::string_view s);

}  // namespace ltskit
