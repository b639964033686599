#!/usr/bin/env bash
# Writes the reference of every ltskit command (docs/commands.md) from the
# program's own --help: `scripts/command-reference.sh > docs/commands.md`.
# A test (Docs.CommandReferenceIsTheProgramsOwnHelp) fails when the file and
# the program disagree.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
help() { "$ltskit" "$@" --help | sed "s|^Usage: [^ ]*ltskit|Usage: ltskit|"; }
# The subcommands a help text lists.
subcommands() { awk '/^Subcommands:/ { on = 1; next } on && /^  [a-z]/ { print $1; next } on && !/^  / { on = 0 }'; }
section() {
  local depth="$1"
  shift
  local hashes
  hashes="$(printf '#%.0s' $(seq 1 "$depth"))"
  local text
  text="$(help "$@")"
  printf '%s ltskit %s\n\n```text\n%s\n```\n\n' "$hashes" "$*" "$text"
  local sub
  for sub in $(printf '%s\n' "$text" | subcommands); do
    section $((depth + 1)) "$@" "$sub"
  done
}
echo "# Command reference"
echo
echo "Generated from each command's \`--help\` by \`scripts/command-reference.sh\`;"
echo "exit codes are in [exit-codes.md](exit-codes.md), file formats in [formats/](formats/)."
echo
printf '## ltskit\n\n```text\n%s\n```\n\n' "$("$ltskit" --help | sed "s|^Usage: [^ ]*ltskit|Usage: ltskit|")"
for cmd in $("$ltskit" --help | subcommands); do
  section 2 "$cmd"
done
