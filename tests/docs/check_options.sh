#!/usr/bin/env bash
# Checks that every option of `mqchat --help` is in the man page and in the
# bash, zsh and fish completions. Usage: check_options.sh MQCHAT_BINARY REPO_ROOT
set -euo pipefail

if [[ $# -ne 2 ]]; then
    echo "usage: $0 PATH_TO_MQCHAT_BINARY REPO_ROOT" >&2
    exit 2
fi
bin=$1
root=$2

help=$("$bin" --help) || { echo "cannot run $bin --help" >&2; exit 1; }

# Option lines are indented by exactly two spaces and start with '-'. Their
# left column ends at the first run of two spaces; its first word holds the
# comma-separated names ("-C,--count N" -> -C --count).
options=()
while IFS= read -r line; do
    [[ $line =~ ^\ \ -[^\ ] ]] || continue
    left=${line#  }
    left=${left%%  *}
    names=${left%% *}
    IFS=, read -r -a parts <<<"$names"
    for name in "${parts[@]}"; do
        if [[ $name =~ ^--[A-Za-z0-9][A-Za-z0-9-]*$ || $name =~ ^-[A-Za-z0-9]$ ]]; then
            options+=("$name")
        else
            echo "cannot parse option name '$name' in: $line" >&2
            exit 1
        fi
    done
done <<<"$help"

if [[ ${#options[@]} -eq 0 ]]; then
    echo "no options found in $bin --help" >&2
    exit 1
fi

# Text of a file without its comment lines.
body() {
    case $1 in
        *.1) grep -v '^\.\\"' "$1" || true ;;
        *) grep -v '^[[:space:]]*#' "$1" || true ;;
    esac
}

# Option name as a literal for ERE ('-' and alphanumerics only, checked above).
roff_escaped() { printf '%s' "${1//-/\\\\-}"; }

# A name ends where no letter, digit or (escaped) dash follows.
end='([^A-Za-z0-9\\-]|\\[^-]|\\$|$)'

documented() {  # FILE KIND OPTION
    local text=$1 kind=$2 opt=$3 word
    case $kind in
        man)
            grep -Eq -- "(^|[^-])$(roff_escaped "$opt")$end|(^|[^A-Za-z0-9-])$opt$end" <<<"$text" ;;
        bash)
            grep -Eq -- "(^|[[:space:]'\"|(])$opt([[:space:]'\"|)=]|$)" <<<"$text" ;;
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
done

if [[ $status -eq 0 ]]; then
    echo "all ${#options[@]} options documented"
fi
exit $status
