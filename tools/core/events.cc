#include "tools/core/events.h"

#include "tools/core/fs.h"

namespace ltskit {

const Schema& events_schema() {
  static const Schema kSchema = {"events",
                                 {{1, R"sql(
-- Append-only audit log of every change a command made.
CREATE TABLE events (
  id      INTEGER PRIMARY KEY,
  at      TEXT NOT NULL,
  command TEXT NOT NULL,
  kind    TEXT NOT NULL,
  subject TEXT NOT NULL,
  detail  TEXT
);
)sql"}},
                                 {}};
  return kSchema;
}

Status record_event(Database& db, const std::string& command, const std::string& kind, const std::string& subject,
                    const std::string& detail) {
  LTS_ASSIGN_OR_RETURN(Statement st, db.prepare("INSERT INTO events(at, command, kind, subject, detail) "
                                                "VALUES (?, ?, ?, ?, ?)"));
  st.bind(1, now_utc()).bind(2, command).bind(3, kind).bind(4, subject);
  if (detail.empty()) st.bind_null(5);
  else st.bind(5, detail);
  return st.run();
}

}  // namespace ltskit
