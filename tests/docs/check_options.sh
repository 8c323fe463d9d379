#!/usr/bin/env bash
# Checks that every option of `mqchat --help`, every command it lists (login,
# logout) and the options only those commands have (`mqchat login --help`)
# are in the man page and in the bash, zsh and fish completions.
# Usage: check_options.sh MQCHAT_BINARY REPO_ROOT
set -euo pipefail

if [[ $# -ne 2 ]]; then
    echo "usage: $0 PATH_TO_MQCHAT_BINARY REPO_ROOT" >&2
    exit 2
fi
bin=$1
root=$2

help=$("$bin" --help) || { echo "cannot run $bin --help" >&2; exit 1; }

# option_names and command_names
# shellcheck source=cli11_help.sh
source "$(dirname "${BASH_SOURCE[0]}")/cli11_help.sh"

names=$(option_names "$help")
mapfile -t options <<<"$names"
if [[ -z $names ]]; then
    echo "no options found in $bin --help" >&2
    exit 1
fi

names=$(command_names "$help")
commands=()
[[ -n $names ]] && mapfile -t commands <<<"$names"

# Each command's own options: those of `mqchat CMD --help` that `mqchat --help`
# does not list (CLI11's fallthrough may list the parent's options there too).
for cmd in "${commands[@]}"; do
    cmd_help=$("$bin" "$cmd" --help) || { echo "cannot run $bin $cmd --help" >&2; exit 1; }
    names=$(option_names "$cmd_help")
    [[ -n $names ]] || continue
    while IFS= read -r name; do
        known=0
        for opt in "${options[@]}"; do
            [[ $opt == "$name" ]] && known=1 && break
        done
        ((known)) || options+=("$name")
    done <<<"$names"
done

# Text of a file without its comment lines.
body() {
    case $1 in
        *.1) grep -v '^\.\\"' "$1" || true ;;
        *) grep -v '^[[:space:]]*#' "$1" || true ;;
    esac
}

# The words a bash completion offers: the lists of its `compgen -W '...'`
# (or "...") calls, which may span lines. Test operators (-n, -z) and the flags
# of compgen itself (-W, -f) are no mqchat options, so they must not count.
bash_words() {
    local -
    set -f  # the words are split below, not globbed
    local text=$1 list=
    local re="compgen[[:space:]]+-W[[:space:]]+('([^']*)'|\"([^\"]*)\")"
    while [[ $text =~ $re ]]; do
        list+=" ${BASH_REMATCH[2]}${BASH_REMATCH[3]}"
        text=${text#*"${BASH_REMATCH[0]}"}
    done
    # shellcheck disable=SC2086 # split into words on purpose
    printf '%s\n' $list
}

# Option name as a literal for ERE ('-' and alphanumerics only, checked above).
roff_escaped() { printf '%s' "${1//-/\\\\-}"; }

# A name ends where no letter, digit or (escaped) dash follows.
end='([^A-Za-z0-9\\-]|\\[^-]|\\$|$)'

documented() {  # TEXT KIND OPTION
    local text=$1 kind=$2 opt=$3 word
    case $kind in
        man)
            grep -Eq -- "(^|[^-])$(roff_escaped "$opt")$end|(^|[^A-Za-z0-9-])$opt$end" <<<"$text" ;;
        bash)  # one of the words offered
            grep -Fxq -- "$opt" <<<"$(bash_words "$text")" ;;
        zsh)  # an _arguments spec: '--opt[', '--opt=', {-o+,--opt=}
            grep -Eq -- "(^|[^A-Za-z0-9-])${opt}[=+,}[]" <<<"$text" ;;
        fish)  # complete ... -l opt / -s o
            if [[ $opt == --* ]]; then
                word=${opt#--}
                grep -Eq -- "^[[:space:]]*complete .*[[:space:]](-l|--long-option)([[:space:]]+|=)$word([[:space:]]|$)" <<<"$text"
            else
                word=${opt#-}
                grep -Eq -- "^[[:space:]]*complete .*[[:space:]](-s|--short-option)([[:space:]]+|=)$word([[:space:]]|$)" <<<"$text"
            fi ;;
    esac
}

command_documented() {  # TEXT KIND COMMAND
    local text=$1 kind=$2 cmd=$3
    case $kind in
        man)  # in bold, e.g. ".B logout" or '.BR "mqchat logout" ,'
            grep -Eq -- "^\.B[IR]?[[:space:]]+\"?(mqchat[[:space:]]+)?$cmd([[:space:]\",]|$)" <<<"$text" ;;
        bash)  # one of the words offered
            grep -Fxq -- "$cmd" <<<"$(bash_words "$text")" ;;
        zsh)  # a _describe entry 'cmd:...' or a word of an action '(... cmd ...)'
            grep -Eq -- "(^|[[:space:]'\"(])$cmd(:|[[:space:])'\"]|$)" <<<"$text" ;;
        fish)  # complete ... -a cmd / -a 'cmd other'
            grep -Eq -- "^[[:space:]]*complete .*[[:space:]](-a|--arguments)([[:space:]]+|=)['\"]?([^'\"]*[[:space:]])?$cmd([[:space:]'\"]|$)" <<<"$text" ;;
    esac
}

status=0
for entry in man:man/mqchat.1 bash:completions/mqchat.bash zsh:completions/_mqchat fish:completions/mqchat.fish; do
    kind=${entry%%:*}
    rel=${entry#*:}
    if [[ ! -f $root/$rel ]]; then
        echo "missing file: $rel"
        status=1
        continue
    fi
    text=$(body "$root/$rel")
    for opt in "${options[@]}"; do
        if ! documented "$text" "$kind" "$opt"; then
            echo "missing from $rel: $opt"
            status=1
        fi
    done
    for cmd in "${commands[@]}"; do
        if ! command_documented "$text" "$kind" "$cmd"; then
            echo "missing from $rel: command $cmd"
            status=1
        fi
    done
done

if [[ $status -eq 0 ]]; then
    echo "all ${#options[@]} options and ${#commands[@]} commands documented"
fi
exit $status
