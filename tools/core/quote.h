// Quoting strings for the text formats ltskit writes by hand.
#pragma once

#include <string>
#include <string_view>

namespace ltskit {

// Appends `s` in double quotes, escaping '"', '\\', newline, carriage return
// and tab by name and every other control character (and DEL) as \u00XX:
// valid as a JSON string and as a TOML basic string. Other bytes are copied.
void append_quoted(std::string& out, std::string_view s);

}  // namespace ltskit
