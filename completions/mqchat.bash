# bash completion for mqchat: every option of `mqchat --help`, the commands
# login and logout (and login's options), and option values.
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
        --server)
            compopt -o nospace 2>/dev/null
            mapfile -t COMPREPLY < <(compgen -W 'http:// https://' -- "$cur")
            return
            ;;
        --user)
            mapfile -t COMPREPLY < <(compgen -u -- "$cur")
            return
            ;;
        --format | -C | --count | -W | --timeout | -n | --lines | --scrollback | --email | --id)
            return
            ;;
        --log)
            mapfile -t COMPREPLY < <(compgen -d -- "$cur")
            return
            ;;
    esac

    # The first word that is neither an option nor an option's value: the
    # command (login, logout) or the room.
    local i word first='' skip=''
    for ((i = 1; i < COMP_CWORD; i++)); do
        word=${COMP_WORDS[i]}
        if [[ $skip ]]; then
            skip=
            [[ $word == [=:] ]] && skip=1
            continue
        fi
        case $word in
            --config | --send | --server | --broker | --user | --cafile | \
                -C | --count | -W | --timeout | -n | --lines | --scrollback | --format | \
                --color | --email | --id | --log)
                skip=1
                ;;
            :) # "http://h" arrives as "http" ":" "//h" when ':' is a word break
                skip=1
                ;;
            -*) ;;
            *)
                first=$word
                break
                ;;
        esac
    done

    case $first in
        login)
            if [[ $cur == -* ]]; then
                mapfile -t COMPREPLY < <(compgen -W '-h --help --email --password-stdin
                    --server --cafile --insecure --config -v --verbose -q --quiet' -- "$cur")
            fi
            return
            ;;
        logout)
            if [[ $cur == -* ]]; then
                mapfile -t COMPREPLY < <(compgen -W '-h --help --server --cafile --insecure
                    --config -v --verbose -q --quiet' -- "$cur")
            fi
            return
            ;;
    esac

    if [[ $cur == -* ]]; then
        mapfile -t COMPREPLY < <(compgen -W '-h --help --version --config --send --tail --id
            -n --lines --no-follow --scrollback --log --server --no-auth --broker --user --cafile --insecure
            -C --count -W --timeout --json --format --color -v --verbose -q --quiet' -- "$cur")
    elif [[ -z $first ]]; then
        # First position: a command, or a room (the server has no room list;
        # "general" is the default room).
        mapfile -t COMPREPLY < <(compgen -W 'login logout general' -- "$cur")
    fi
}
complete -F _mqchat mqchat
