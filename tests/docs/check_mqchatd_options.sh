#!/usr/bin/env bash
# Checks that every option of `mqchatd --help` and of the help of each of its
# commands, at every level (`mqchatd serve --help`, `mqchatd user --help`,
# `mqchatd user add --help`, ...), and every command name are in the man page
# man/mqchatd.8. mqchatd has no shell completions, so only the page is checked.
# The help parsing is shared with check_options.sh (cli11_help.sh).
# Usage: check_mqchatd_options.sh MQCHATD_BINARY REPO_ROOT
set -euo pipefail

if [[ $# -ne 2 ]]; then
    echo "usage: $0 PATH_TO_MQCHATD_BINARY REPO_ROOT" >&2
    exit 2
fi
bin=$1
root=$2
page=man/mqchatd.8

# option_names and command_names
# shellcheck source=cli11_help.sh
source "$(dirname "${BASH_SOURCE[0]}")/cli11_help.sh"

options=()
add_option() {
    local opt
    for opt in "${options[@]}"; do
        [[ $opt == "$1" ]] && return 0
    done
    options+=("$1")
}

# Walks the command tree breadth first: "" (mqchatd itself), "serve", "user",
# "user add", ... Each entry of `paths` is a command path, words separated by
# single spaces.
paths=("")
commands=()
i=0
while ((i < ${#paths[@]})); do
    path=${paths[i]}
    ((++i))
    read -r -a words <<<"$path"
    help=$("$bin" "${words[@]}" --help) || { echo "cannot run $bin $path --help" >&2; exit 1; }
    names=$(option_names "$help")
    if [[ -z $names ]]; then
        echo "no options found in $bin $path --help" >&2
        exit 1
    fi
    while IFS= read -r name; do
        add_option "$name"
    done <<<"$names"
    names=$(command_names "$help")
    [[ -n $names ]] || continue
    while IFS= read -r name; do
        sub=${path:+$path }$name
        if ((${#paths[@]} > 50)); then
            echo "too many commands below $bin (a loop?)" >&2
            exit 1
        fi
        paths+=("$sub")
        commands+=("$sub")
    done <<<"$names"
done

# Option name as a literal for ERE ('-' and alphanumerics only, checked above).
roff_escaped() { printf '%s' "${1//-/\\\\-}"; }

# A name ends where no letter, digit or (escaped) dash follows.
end='([^A-Za-z0-9\\-]|\\[^-]|\\$|$)'

option_documented() {  # TEXT OPTION
    grep -Eq -- "(^|[^-])$(roff_escaped "$2")$end|(^|[^A-Za-z0-9-])$2$end" <<<"$1"
}

# A command path in bold at the start of a request line, e.g. ".B serve",
# '.BI "user add " EMAIL', ".B user list" or '.BR "mqchatd user del" ,'.
command_documented() {  # TEXT COMMAND_PATH
    local pattern=${2// /[[:space:]]+}
    grep -Eq -- "^\.B[IR]?[[:space:]]+\"?(mqchatd[[:space:]]+)?$pattern([[:space:]\",]|$)" <<<"$1"
}

if [[ ! -f $root/$page ]]; then
    echo "missing file: $page"
    exit 1
fi
text=$(grep -v '^\.\\"' "$root/$page" || true)  # without comment lines

status=0
for opt in "${options[@]}"; do
    if ! option_documented "$text" "$opt"; then
        echo "missing from $page: $opt"
        status=1
    fi
done
for cmd in "${commands[@]}"; do
    if ! command_documented "$text" "$cmd"; then
        echo "missing from $page: command $cmd"
        status=1
    fi
done

if [[ $status -eq 0 ]]; then
    echo "all ${#options[@]} options and ${#commands[@]} commands of mqchatd documented"
fi
exit $status
