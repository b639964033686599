// The append-only audit log: every change a command makes records an event.
#pragma once

#include <string>

#include "tools/core/error.h"
#include "tools/core/state.h"

namespace ltskit {

// The `events` table, the one table tools/core owns.
const Schema& events_schema();

// Records that `command` did `kind` to `subject` ("channel.create", "1.0").
Status record_event(Database& db, const std::string& command, const std::string& kind, const std::string& subject,
                    const std::string& detail = "");

}  // namespace ltskit
