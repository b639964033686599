// Ancestry checks that are remembered. "A is an ancestor of D" never stops
// being true (commits are immutable), so a yes is kept in the cache database
// .ltskit/cache/ancestry.db; a later check of A against a descendant of a
// remembered D then costs only the commits between them instead of a walk
// down to A. Every command that loads a channel checks that its cut is on
// its upstream, and on a long history (a cut 100,000 commits back) that walk
// would otherwise dominate. A cache that cannot be written (a read-only
// workspace) only makes the check slower.
#pragma once

#include <string>

#include "tools/core/error.h"
#include "tools/core/workspace.h"
#include "tools/git/repository.h"

namespace ltskit {

const Schema& ancestry_schema();

Result<bool> is_ancestor_remembered(Workspace& ws, const git::Repository& repo, const std::string& ancestor,
                                    const std::string& descendant);

}  // namespace ltskit
