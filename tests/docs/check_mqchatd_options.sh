#!/usr/bin/env bash
# Checks that every option of `mqchatd --help` and of the help of each of its
# commands, at every level (`mqchatd serve --help`, `mqchatd user --help`,
# `mqchatd user add --help`, ...), and every command name are in the man page
# man/mqchatd.8. mqchatd has no shell completions, so only the page is checked.
# The help parsing is the same as in check_options.sh (CLI11's help layout).
# Usage: check_mqchatd_options.sh MQCHATD_BINARY REPO_ROOT
set -euo pipefail

if [[ $# -ne 2 ]]; then
    echo "usage: $0 PATH_TO_MQCHATD_BINARY REPO_ROOT" >&2
    exit 2
fi
bin=$1
root=$2
page=man/mqchatd.8

# Prints the option names of a CLI11 help text, one a line. Option lines are
# indented by exactly two spaces and start with '-'. Their left column ends at
# the first run of two spaces; its first word holds the comma-separated names
# ("-h,--help" -> -h --help).
option_names() {
    local line left names name
    local -a parts
    while IFS= read -r line; do
        [[ $line =~ ^\ \ -[^\ ] ]] || continue
        left=${line#  }
        left=${left%%  *}
        names=${left%% *}
        IFS=, read -r -a parts <<<"$names"
        for name in "${parts[@]}"; do
            if [[ $name =~ ^--[A-Za-z0-9][A-Za-z0-9-]*$ || $name =~ ^-[A-Za-z0-9]$ ]]; then
                printf '%s\n' "$name"
            else
                echo "cannot parse option name '$name' in: $line" >&2
                return 1
            fi
        done
    done <<<"$1"
}

# Prints the command names of the "Subcommands:" section of a help text.
command_names() {
    local line in_section=0
    while IFS= read -r line; do
        if [[ $line == Subcommands:* ]]; then
            in_section=1
            continue
        fi
        ((in_section)) || continue
        [[ -z $line ]] && break
        if [[ $line =~ ^\ \ ([a-z][a-z0-9-]*)(\ |$) ]]; then
            printf '%s\n' "${BASH_REMATCH[1]}"
        else
            echo "cannot parse command in: $line" >&2
            return 1
        fi
    done <<<"$1"
}

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
