// The reports: one JSON document with the state of every channel (what the
// dashboard shows, for programs), and the dashboard itself, a static,
// self-contained HTML page (inline CSS and SVG, no network, no external
// asset; readable without JavaScript, whose only job is sorting tables).
//
// The dashboard shows an overview of the channels and what waits for a
// human; per channel its generations, its advisories by triage state (each
// linked to its details), its backports with their source commits, the ABI
// gate's verdict for every library with the changes it found, and a chart of
// its open advisories over time, replayed from the triage history.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "tools/core/error.h"
#include "tools/core/workspace.h"
#include "tools/git/repository.h"

namespace ltskit::pipeline {

// The report's data. `now` ("YYYY-MM-DDTHH:MM:SSZ") dates it and the
// support windows.
Result<nlohmann::json> report_json(Workspace& ws, git::Repository& repo, const std::string& now);

// The dashboard of `report` (as report_json returns it).
std::string render_dashboard(const nlohmann::json& report);

// Writes DIR/index.html and DIR/report.json, each atomically (a reader sees
// the old file or the new one); creates DIR. Returns DIR/index.html.
Result<std::filesystem::path> write_dashboard(Workspace& ws, git::Repository& repo, const std::filesystem::path& dir,
                                              const std::string& now);

}  // namespace ltskit::pipeline
