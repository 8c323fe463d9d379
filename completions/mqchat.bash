# bash completion for mqchat: every option of `mqchat --help` and its values.
_mqchat() {
    local cur prev
    cur=${COMP_WORDS[COMP_CWORD]}
    prev=${COMP_WORDS[COMP_CWORD-1]:-}
    # "--color=al" arrives as "--color" "=" "al" when '=' is a word break.
    if [[ $cur == = ]]; then
        cur=
    elif [[ $prev == = && $COMP_CWORD -ge 2 ]]; then
        prev=${COMP_WORDS[COMP_CWORD-2]}
    fi

    case $prev in
        --color)
            mapfile -t COMPREPLY < <(compgen -W 'auto always never' -- "$cur")
            return
            ;;
        --cafile | --config)
            compopt -o filenames 2>/dev/null
            mapfile -t COMPREPLY < <(compgen -f -- "$cur")
            return
            ;;
        --send)
            mapfile -t COMPREPLY < <(compgen -W '-' -- "$cur")
            return
            ;;
        --broker)
            compopt -o nospace 2>/dev/null
            mapfile -t COMPREPLY < <(compgen -W 'mqtt:// mqtts:// ws:// wss://' -- "$cur")
            return
            ;;
        --user)
            mapfile -t COMPREPLY < <(compgen -u -- "$cur")
            return
            ;;
        --format | -C | --count | -W | --timeout)
            return
            ;;
    esac

    if [[ $cur == -* ]]; then
        mapfile -t COMPREPLY < <(compgen -W '-h --help --version --config --send --tail
            --no-auth --broker --user --cafile --insecure -C --count
            -W --timeout --json --format --color -v --verbose -q --quiet' -- "$cur")
    fi
}
complete -F _mqchat mqchat
