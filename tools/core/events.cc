#include "tools/core/events.h"

#include "tools/core/fs.h"

namespace ltskit {

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
