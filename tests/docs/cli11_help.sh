# shellcheck shell=bash
# Parsers of CLI11's help layout, shared by the documentation checks
# (sourced by check_options.sh and check_mqchatd_options.sh).

# Prints the option names of a CLI11 help text, one a line. Option lines are
# indented by exactly two spaces and start with '-'. Their left column ends at
# the first run of two spaces; its first word holds the comma-separated names
# ("-C,--count N" -> -C --count).
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
