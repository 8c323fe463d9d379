# fish completion for mqchat: every option of `mqchat --help`, the commands
# login and logout (and login's options), and option values.

# Prints the first word that is neither an option nor an option's value: the
# command (login, logout) or the room. Fails when there is none yet.
function __mqchat_first_word
    set -l words (commandline -opc)
    set -e words[1]
    set -l skip 0
    for word in $words
        if test $skip -eq 1
            set skip 0
            continue
        end
        switch $word
            case --config --send --server --broker --user --cafile -C --count -W --timeout -n --lines --scrollback --format --color --email --id --log
                set skip 1
            case '-*'
            case '*'
                echo -- $word
                return 0
        end
    end
    return 1
end

function __mqchat_needs_first_word
    not __mqchat_first_word >/dev/null
end

# Not after login or logout: the chat options.
function __mqchat_chat
    not contains -- (__mqchat_first_word) login logout
end

function __mqchat_command -a name
    set -l first (__mqchat_first_word)
    and test "$first" = $name
end

complete -c mqchat -f

# First position: a command or a room (the server has no room list; general
# is the default room).
complete -c mqchat -n __mqchat_needs_first_word -a login -d 'Log in to mqchatd and store the session'
complete -c mqchat -n __mqchat_needs_first_word -a logout -d 'Revoke and delete the stored session'
complete -c mqchat -n __mqchat_needs_first_word -a general -d 'Room (the default)'

# Everywhere, also after login and logout.
complete -c mqchat -s h -l help -d 'Print the help message and exit'
complete -c mqchat -l config -r -F -d 'Read long options from FILE'
complete -c mqchat -l server -x -a 'http:// https://' -d 'mqchatd base URL'
complete -c mqchat -l cafile -r -F -d 'Trust the CA certificates in FILE for TLS'
complete -c mqchat -l insecure -d 'Skip TLS certificate and host name checks'
complete -c mqchat -s v -l verbose -n 'not __fish_seen_argument -s q -l quiet' -d 'More diagnostics on stderr (repeatable)'
complete -c mqchat -s q -l quiet -n 'not __fish_seen_argument -s v -l verbose' -d 'Only errors on stderr'

# mqchat login
complete -c mqchat -n '__mqchat_command login' -l email -x -d 'Account e-mail (asked for when not given)'
complete -c mqchat -n '__mqchat_command login' -l password-stdin -d 'Read the password from the first line of stdin'

# mqchat [ROOM] --send/--tail
complete -c mqchat -n __mqchat_chat -l version -d 'Print the version and exit'
complete -c mqchat -n '__mqchat_chat; and not __fish_seen_argument -l tail' -l send -x -a '-' -d 'Publish TEXT, or each stdin line with -'
complete -c mqchat -n '__mqchat_chat; and not __fish_seen_argument -l send' -l tail -d 'Print the history, then messages as they arrive'
complete -c mqchat -n __mqchat_chat -l id -x -d 'Send: message id KEY (line N of --send - gets KEY-N)'
complete -c mqchat -n __mqchat_chat -s n -l lines -x -d 'Tail: history messages shown first (default 20; 0 none)'
complete -c mqchat -n __mqchat_chat -l no-follow -d 'Tail: print the history and exit'
complete -c mqchat -n __mqchat_chat -l scrollback -x -d 'Chat: messages kept per room (default 5000)'
complete -c mqchat -n __mqchat_chat -l log -x -a '(__fish_complete_directories)' -d 'Chat: append every message shown to DIR/ROOM.jsonl'
complete -c mqchat -n __mqchat_chat -l no-auth -d 'Use a plain MQTT broker without mqchatd'
complete -c mqchat -n __mqchat_chat -l broker -x -a 'mqtt:// mqtts:// ws:// wss://' -d 'Broker URL'
complete -c mqchat -n __mqchat_chat -l user -x -a '(__fish_complete_users)' -d 'Sender id with --no-auth'
complete -c mqchat -n __mqchat_chat -s C -l count -x -d 'Tail: exit 0 after N live messages'
complete -c mqchat -n __mqchat_chat -s W -l timeout -x -d 'Exit 8 after SEC without a message or an ack'
complete -c mqchat -n '__mqchat_chat; and not __fish_seen_argument -l format' -l json -d 'One JSON message per line (NDJSON); send: each acknowledged message'
complete -c mqchat -n '__mqchat_chat; and not __fish_seen_argument -l json' -l format -x -d 'Tail: line template (%T %D %u %n %m %r %i %%)'
complete -c mqchat -n __mqchat_chat -l color -x -a 'auto always never' -d 'When to use colour'
