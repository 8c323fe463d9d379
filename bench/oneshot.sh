#!/usr/bin/env bash
# bench/oneshot.sh - what one short mqchat command costs next to the tools a
# script would use without it: wall time and CPU time of a single `--send`
# (without and with mqchatd) and the time until the full-screen chat shows a
# room's history, each as an interleaved A/B comparison.
#
# Interleaved: ROUNDS rounds (default 5); in each round, for each pair, A and
# B run alternately N times each (default 10: A B A B ...), so that drift in
# the machine's load hits both sides alike. Reported per round and pair: the
# median wall time and median CPU time of A and of B and their ratio A/B;
# below each table the median of the per-round figures and ratios. Before
# round 1 each command runs once untimed (warm caches). Every run must exit 0
# (else its stderr is printed and the script stops); afterwards the messages
# sent are counted where they arrived (a mosquitto_sub on the plain broker,
# the archive's history on mqchatd): each run must have delivered exactly one.
#
#   send-noauth  A: mqchat bench --send TEXT --no-auth --broker mqtt://127.0.0.1:PORT --user bench
#                B: mosquitto_pub -V 5 -q 1 -h 127.0.0.1 -p PORT -t chat/bench/messages -m PAYLOAD
#                (PAYLOAD: the canonical JSON mqchat sends, fresh id and timestamp per run)
#                against one private plain mosquitto (anonymous, no persistence).
#   send-auth    A: mqchat oneshot --send TEXT, logged in (stored session) to a
#                   private `mqchatd serve` (embedded mosquitto + auth plugin)
#                B: what a script does without mqchat: curl POST /api/mqtt-token
#                   (bearer = the stored session, from a header file: -H @FILE),
#                   the answer parsed and written to mosquitto_pub's options file
#                   ($XDG_CONFIG_HOME/mosquitto_pub, mode 0600: -h -p -u -P and
#                   -i clientIdPrefix + 8 hex digits), then
#                   mosquitto_pub -V 5 -q 1 -t chat/oneshot/messages -m PAYLOAD.
#                   B's wall time runs from curl's start to mosquitto_pub's exit
#                   (parsing and writing the file in between included), its CPU
#                   time is curl's plus mosquitto_pub's. No shell is started: a
#                   real script would add the fork of its $(curl ...) on top.
#   chat-start   A: mqchat history (the full-screen chat)
#                B: mqchat history --tail -n 20
#                each started in a fresh COLSxROWS tmux session; the time from
#                the new-session command until the room's newest message (the
#                room holds SEED messages, sent once with --send -) is on the
#                pane, polled with capture-pane every POLL_MS ms through one
#                tmux control-mode client (no process started per poll); the
#                session is then killed and its process waited for. CPU time:
#                the client's threads (/proc/PID/task/*/schedstat) up to that
#                moment; threads that have already exited are not counted.
#
# CPU time of send runs: user+sys of the child process and everything it
# waited for (os.wait4), timed by a python3 harness that starts each command
# with posix_spawn, stdin /dev/null, stdout /dev/null. mqchat --send writes
# every message to its outbox first and fsyncs it (on the file system of
# TMPDIR); mosquitto_pub keeps nothing.
# Secrets (password, session, token) never appear on a command line: the
# password goes through --password-stdin, the session through a header file,
# the token through mosquitto_pub's options file. XDG_STATE_HOME and
# XDG_CONFIG_HOME point into the temp dir: your own config and session are
# not touched. The binaries are copied into the temp dir first, so a rebuild
# meanwhile does not change them under the benchmark.
#
# Usage: bench/oneshot.sh [BIN_DIR]   (default build/default/bin: mqchat, mqchatd, libmqchat_auth.so)
#   env: ROUNDS=5 N=10 SEED=200 COLS=120 ROWS=40 POLL_MS=2 DEADLINE=30 (s, per chat start)
#        PAIRS="send-noauth send-auth chat-start" (run only some of them)
#        KEEP=1 (keep the temp dir: logs, stderr of the last runs)
# Output: a markdown block (machine, load, one table per pair) on stdout;
# progress on stderr.
# Needs: bash 5, mosquitto, mosquitto_pub, mosquitto_sub, curl, tmux (>= 3.2), python3.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/lib.sh"
ROUNDS=${ROUNDS:-5}
N=${N:-10}
SEED=${SEED:-200}
COLS=${COLS:-120}
ROWS=${ROWS:-40}
POLL_MS=${POLL_MS:-2}
DEADLINE=${DEADLINE:-30}
PAIRS=${PAIRS:-send-noauth send-auth chat-start}  # a subset: e.g. PAIRS=chat-start

for tool in mosquitto mosquitto_pub mosquitto_sub curl tmux python3; do
    command -v "$tool" >/dev/null || { echo "oneshot.sh: $tool not found" >&2; exit 2; }
done
((BASH_VERSINFO[0] >= 5)) || { echo "oneshot.sh: needs bash 5" >&2; exit 2; }
for v in ROUNDS N SEED COLS ROWS POLL_MS DEADLINE; do
    [[ ${!v} =~ ^[1-9][0-9]*$ ]] || { echo "oneshot.sh: $v must be a positive integer, not '${!v}'" >&2; exit 2; }
done
SRC_BIN=$(cd "${1:-${BIN:-$here/../build/default/bin}}" && pwd)
for f in mqchat mqchatd libmqchat_auth.so; do
    [[ -e $SRC_BIN/$f ]] || { echo "oneshot.sh: $SRC_BIN/$f not found (scripts/build build/default -- mqchat mqchatd mqchat_auth)" >&2; exit 2; }
done
# The interpreter itself, not a version manager's shim.
PY=$(python3 -c 'import sys; print(sys.executable)')
unset MQCHAT_SERVER TMUX
load_start=$(cut -d' ' -f1-3 /proc/loadavg)

tmp=$(mktemp -d "${TMPDIR:-/tmp}/mqchat-oneshot.XXXXXX")
SOCK=mqchat-oneshot-$$
TMUX_CMD=(tmux -L "$SOCK")
broker_pid='' mqchatd_pid='' counter_pid='' tmux_started='' tmux_socket=''
cleanup() {
    local pid
    if [[ -n $tmux_started ]]; then
        "${TMUX_CMD[@]}" kill-server 2>/dev/null || true
        [[ -n $tmux_socket ]] && rm -f "$tmux_socket"
    fi
    if [[ -s $tmp/tmux-clients ]]; then
        while read -r pid; do
            if [[ $(cat "/proc/$pid/comm" 2>/dev/null) == tmux* ]]; then kill "$pid" 2>/dev/null || true; fi
        done <"$tmp/tmux-clients"
    fi
    for pid in $counter_pid $broker_pid $mqchatd_pid; do
        kill "$pid" 2>/dev/null || true   # mqchatd stops its own broker
        wait "$pid" 2>/dev/null || true
    done
    if [[ ${KEEP:-0} == 1 ]]; then echo "oneshot.sh: kept $tmp" >&2; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log() { printf 'oneshot.sh: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

# --- the binaries, frozen -----------------------------------------------------
# A build running meanwhile may be rewriting them: copy until the sources have
# stayed the same for 2 s around the copy and the copies run.
BIN=$tmp/bin
mkdir -p "$BIN"
bin_files=("$SRC_BIN/mqchat" "$SRC_BIN/mqchatd" "$SRC_BIN/libmqchat_auth.so")
for try in $(seq 60); do
    before=$(stat -c '%s %Y' "${bin_files[@]}")
    cp "${bin_files[@]}" "$BIN/"
    sleep 2
    if [[ $(stat -c '%s %Y' "${bin_files[@]}") == "$before" ]] && cmp -s "$SRC_BIN/mqchat" "$BIN/mqchat" &&
        cmp -s "$SRC_BIN/mqchatd" "$BIN/mqchatd" && cmp -s "$SRC_BIN/libmqchat_auth.so" "$BIN/libmqchat_auth.so" &&
        [[ $(head -c4 "$BIN/libmqchat_auth.so" | od -An -c | tr -d ' ') == 177ELF ]] &&
        "$BIN/mqchat" --version >/dev/null 2>&1 && "$BIN/mqchatd" --version >/dev/null 2>&1; then
        break
    fi
    ((try < 60)) || die "the binaries in $SRC_BIN keep changing (a build running?); gave up after 60 tries"
    ((try > 1)) || log "the binaries in $SRC_BIN are being rewritten (a build running?); waiting until they are stable"
done

read -r plain_port http_port mqtt_port ws_port < <(free_ports 4)

# --- 1. a plain mosquitto ----------------------------------------------------
cat >"$tmp/mosquitto.conf" <<EOF
listener $plain_port 127.0.0.1
allow_anonymous true
persistence false
EOF
mosquitto -c "$tmp/mosquitto.conf" >"$tmp/mosquitto.log" 2>&1 &
broker_pid=$!
await "oneshot.sh: mosquitto" 100 0.05 "$broker_pid" "$tmp/mosquitto.log" grep -q ' running' "$tmp/mosquitto.log"

# --- 2. mqchatd serve, one account, logged in --------------------------------
data=$tmp/data
printf 'oneshot-password\n' | "$BIN/mqchatd" user add bench@oneshot.test --name Bench --password-stdin --data "$data" >/dev/null
"$BIN/mqchatd" serve --data "$data" --http "127.0.0.1:$http_port" --mqtt "127.0.0.1:$mqtt_port" \
    --ws "127.0.0.1:$ws_port" >"$tmp/mqchatd.out" 2>"$tmp/mqchatd.log" &
mqchatd_pid=$!
await "oneshot.sh: mqchatd" 300 0.1 "$mqchatd_pid" "$tmp/mqchatd.log" grep -qx ready "$tmp/mqchatd.out"
server=http://127.0.0.1:$http_port
USER_ENV=(XDG_STATE_HOME="$tmp/user-state" XDG_CONFIG_HOME="$tmp/user-config")
printf 'oneshot-password\n' | env "${USER_ENV[@]}" "$BIN/mqchat" login --server "$server" --email bench@oneshot.test --password-stdin -q
session_file=$tmp/user-state/mqchat/session.json
[[ -s $session_file ]] || die "login stored no session at $session_file"
# The bearer header for curl -H @FILE (mode 0600): the session stays off argv.
"$PY" - "$session_file" "$tmp/auth-header" <<'EOF'
import json, os, sys
s = json.load(open(sys.argv[1]))
fd = os.open(sys.argv[2], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
with os.fdopen(fd, "w") as f:
    f.write("Authorization: Bearer %s\n" % s["session"])
EOF
log "stacks: mosquitto on 127.0.0.1:$plain_port; mqchatd on $server (MQTT 127.0.0.1:$mqtt_port), account bench"

# --- 3. tmux: a private server, kept up by a session "keeper" ------------------
"${TMUX_CMD[@]}" -f /dev/null new-session -d -s keeper -x "$COLS" -y "$ROWS" 'exec sleep 1000000'
tmux_started=1
tmux_socket=$("${TMUX_CMD[@]}" display -p '#{socket_path}')
"${TMUX_CMD[@]}" set -g status off \; set -g remain-on-exit on \; set -g default-shell /bin/sh \; set -g history-limit 100

# --- the harness ---------------------------------------------------------------
cat >"$tmp/oneshot.py" <<'EOF'
# oneshot.py PAIR: runs one pair's interleaved rounds; appends its markdown
# table to $OS_TABLES, progress to stderr. Settings come from OS_* variables.
import json, os, random, statistics, sys, time, urllib.request

from tmux_control import TmuxControl

E = os.environ
TMP, ROUNDS, N = E["OS_TMP"], int(E["OS_ROUNDS"]), int(E["OS_N"])
TEXT_A, TEXT_B = "deploy of 4f2c9e1 done (A)", "deploy of 4f2c9e1 done (B)"
B32 = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

def log(*a):
    print("oneshot.sh:", *a, file=sys.stderr, flush=True)

def die(msg, errfile=None):
    log(msg)
    if errfile and os.path.exists(errfile):
        sys.stderr.write(open(errfile, errors="replace").read())
    sys.exit(1)

def ulid():
    n = (int(time.time() * 1000) << 80) | random.getrandbits(80)
    return "".join(B32[(n >> (5 * i)) & 31] for i in reversed(range(26)))

def payload(user, name, text):
    m = {"id": ulid(), "user": user}
    if name:
        m["name"] = name
    m.update(text=text, timestamp=int(time.time() * 1000))
    return json.dumps(m, ensure_ascii=False, separators=(",", ":"))

def env_with(**kw):
    e = dict(os.environ)
    for k in [k for k in e if k.startswith("OS_")]:
        del e[k]
    e.update(kw)
    return e

def run(argv, env, tag, capture=False):
    """(wall s, cpu s, stdout) of one child; dies unless it exits 0."""
    err = os.path.join(TMP, tag + ".err")
    fa = [(os.POSIX_SPAWN_OPEN, 0, "/dev/null", os.O_RDONLY, 0),
          (os.POSIX_SPAWN_OPEN, 2, err, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)]
    r = w = None
    if capture:
        r, w = os.pipe()
        fa.insert(1, (os.POSIX_SPAWN_DUP2, w, 1))
    else:
        fa.insert(1, (os.POSIX_SPAWN_OPEN, 1, "/dev/null", os.O_WRONLY, 0))
    out = b""
    t0 = time.perf_counter()
    pid = os.posix_spawn(argv[0], argv, env, file_actions=fa)
    if capture:
        os.close(w)
        while True:
            chunk = os.read(r, 65536)
            if not chunk:
                break
            out += chunk
        os.close(r)
    _, status, ru = os.wait4(pid, 0)
    wall = time.perf_counter() - t0
    rc = os.waitstatus_to_exitcode(status)
    if rc != 0:
        die("%s exited %d: %s" % (tag, rc, " ".join(argv)), err)
    return wall, ru.ru_utime + ru.ru_stime, out

def md(x):
    return "%.1f" % (x * 1000)

def ratio(a, b):
    return a / b if b > 0 else float("nan")

def interleave(name, a_fn, b_fn, header, what):
    """Runs the rounds; appends the table. a_fn/b_fn() -> (wall, cpu)."""
    a_fn(); b_fn()  # warm-up, not counted
    rows, all_a, all_b = [], [], []
    for rnd in range(1, ROUNDS + 1):
        aw, ac, bw, bc = [], [], [], []
        for _ in range(N):
            w, c = a_fn(); aw.append(w); ac.append(c)
            w, c = b_fn(); bw.append(w); bc.append(c)
        all_a += aw; all_b += bw
        m = [statistics.median(x) for x in (aw, bw, ac, bc)]
        rows.append((rnd, m[0], m[1], ratio(m[0], m[1]), m[2], m[3], ratio(m[2], m[3])))
        log("%s round %d/%d: wall ms A %s B %s (A/B %.2f), cpu ms A %s B %s (A/B %.2f)"
            % (name, rnd, ROUNDS, md(m[0]), md(m[1]), rows[-1][3], md(m[2]), md(m[3]), rows[-1][6]))
    col = lambda i: statistics.median(r[i] for r in rows)
    with open(E["OS_TABLES"], "a") as f:
        f.write("### %s\n\n%s\n\n" % (name, header))
        f.write("| round | A wall ms | B wall ms | wall A/B | A %s ms | B %s ms | %s A/B |\n" % (what, what, what))
        f.write("|---:|---:|---:|---:|---:|---:|---:|\n")
        for r in rows:
            f.write("| %d | %s | %s | %.2f | %s | %s | %.2f |\n" % (r[0], md(r[1]), md(r[2]), r[3], md(r[4]), md(r[5]), r[6]))
        f.write("| **median** | %s | %s | **%.2f** | %s | %s | **%.2f** |\n\n"
                % (md(col(1)), md(col(2)), col(3), md(col(4)), md(col(5)), col(6)))
        def mm(v):
            q = statistics.quantiles(v, n=4) if len(v) > 1 else [v[0]] * 3
            return " / ".join(md(x) for x in (min(v), q[0], q[1], q[2], max(v)))
        f.write("All %d runs per side, wall ms min / p25 / median / p75 / max: A %s; B %s.\n\n"
                % (ROUNDS * N, mm(all_a), mm(all_b)))

def history(server, room, header_file):
    """Every message of ROOM in the archive (paged, newest first)."""
    auth = open(header_file).read().split(":", 1)[1].strip()
    out, before = [], None
    while True:
        url = "%s/api/rooms/%s/messages?limit=500%s" % (server, room, "&before=" + before if before else "")
        req = urllib.request.Request(url, headers={"Authorization": auth})
        page = json.load(urllib.request.urlopen(req, timeout=10))
        if not page:
            return out
        out += page
        before = page[0]["id"]

def check_counts(name, texts, want):
    got = [sum(1 for t in texts if t == x) for x in (TEXT_A, TEXT_B)]
    if got != [want, want]:
        die("%s: arrived A %d, B %d, want %d each" % (name, got[0], got[1], want))
    log("%s: every run's message arrived once (%d per side)" % (name, want))

pair = sys.argv[1]
MQCHAT = E["OS_MQCHAT"]

if pair == "send-noauth":
    port, room = E["OS_PLAIN_PORT"], "bench"
    topic = "chat/%s/messages" % room
    env = env_with(XDG_STATE_HOME=TMP + "/noauth-state", XDG_CONFIG_HOME=TMP + "/noauth-config")
    a_argv = [MQCHAT, room, "--send", TEXT_A, "--no-auth", "--broker", "mqtt://127.0.0.1:" + port, "--user", "bench"]
    pub = E["OS_MOSQUITTO_PUB"]
    def a():
        w, c, _ = run(a_argv, env, "noauth-A")
        return w, c
    def b():
        argv = [pub, "-V", "5", "-q", "1", "-h", "127.0.0.1", "-p", port, "-t", topic, "-m", payload("bench", "", TEXT_B)]
        w, c, _ = run(argv, env, "noauth-B")
        return w, c
    interleave(pair, a, b,
               "A: `mqchat bench --send TEXT --no-auth --broker mqtt://127.0.0.1:PORT --user bench`  \n"
               "B: `mosquitto_pub -V 5 -q 1 -h 127.0.0.1 -p PORT -t chat/bench/messages -m PAYLOAD` (same JSON as A sends)  \n"
               "broker: one plain mosquitto on loopback, anonymous, no persistence", "cpu")
    # The counting subscriber (started by the script) prints one payload a line.
    deadline = time.time() + 10
    want = ROUNDS * N + 1
    while True:
        texts = []
        for line in open(E["OS_COUNTER_OUT"], errors="replace"):
            try:
                texts.append(json.loads(line)["text"])
            except ValueError:
                pass
        if sum(1 for t in texts if t in (TEXT_A, TEXT_B)) >= 2 * want or time.time() > deadline:
            break
        time.sleep(0.1)
    check_counts(pair, texts, want)

elif pair == "send-auth":
    room, server = "oneshot", E["OS_SERVER"]
    topic = "chat/%s/messages" % room
    a_env = env_with(XDG_STATE_HOME=E["OS_USER_STATE"], XDG_CONFIG_HOME=E["OS_USER_CONFIG"])
    b_conf = TMP + "/pub-config"
    os.makedirs(b_conf, mode=0o700, exist_ok=True)
    b_env = env_with(XDG_CONFIG_HOME=b_conf)
    opts = b_conf + "/mosquitto_pub"
    name = json.load(open(E["OS_SESSION"])).get("user", {}).get("name", "")
    a_argv = [MQCHAT, room, "--send", TEXT_A]
    curl_argv = [E["OS_CURL"], "-sS", "-f", "-X", "POST", "-H", "@" + E["OS_AUTH_HEADER"],
                 "-H", "Content-Type: application/json", "--data", '{"rooms":["%s"]}' % room,
                 server + "/api/mqtt-token"]
    pub = E["OS_MOSQUITTO_PUB"]
    def a():
        w, c, _ = run(a_argv, a_env, "auth-A")
        return w, c
    def b():
        t0 = time.perf_counter()
        _, c1, out = run(curl_argv, b_env, "auth-B-curl", capture=True)
        ans = json.loads(out)
        broker = next(x["url"] for x in ans["brokers"] if x["url"].startswith("mqtt://"))
        host, port = broker[len("mqtt://"):].split("/")[0].rsplit(":", 1)
        fd = os.open(opts, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write("-h %s\n-p %s\n-u %s\n-P %s\n-i %s%s\n" % (host, port, ans["username"], ans["accessToken"],
                                                             ans["clientIdPrefix"], os.urandom(4).hex()))
        argv = [pub, "-V", "5", "-q", "1", "-t", topic, "-m", payload(ans["username"], name, TEXT_B)]
        _, c2, _ = run(argv, b_env, "auth-B-pub")
        if os.path.getsize(os.path.join(TMP, "auth-B-pub.err")):
            die("mosquitto_pub said something (a refused publish?)", os.path.join(TMP, "auth-B-pub.err"))
        return time.perf_counter() - t0, c1 + c2
    interleave(pair, a, b,
               "A: `mqchat oneshot --send TEXT` (stored session: token route, then the broker)  \n"
               "B: `curl -X POST -H @session-header .../api/mqtt-token`, answer -> mosquitto_pub options file, "
               "then `mosquitto_pub -V 5 -q 1 -t chat/oneshot/messages -m PAYLOAD` (B's CPU: curl + mosquitto_pub)  \n"
               "server: mqchatd serve (embedded mosquitto, auth plugin, SQLite archive) on loopback", "cpu")
    time.sleep(0.5)
    check_counts(pair, [m.get("text") for m in history(server, room, E["OS_AUTH_HEADER"])], ROUNDS * N + 1)

elif pair == "chat-start":
    import shlex
    sock, room, marker = E["OS_TMUX_SOCK"], "history", E["OS_MARKER"].encode()
    cols, rows = E["OS_COLS"], E["OS_ROWS"]
    poll, deadline = int(E["OS_POLL_MS"]) / 1000.0, float(E["OS_DEADLINE"])

    def alive(pid):
        try:
            with open("/proc/%d/stat" % pid) as f:
                return f.read().rsplit(")", 1)[1].split()[0] != "Z"
        except OSError:
            return False

    def cpu_s(pid):  # on-CPU time of the process's live threads
        total = 0
        for t in os.listdir("/proc/%d/task" % pid):
            try:
                with open("/proc/%d/task/%s/schedstat" % (pid, t)) as f:
                    total += int(f.read().split()[0])
            except OSError:
                pass
        return total / 1e9

    t = TmuxControl(sock, TMP + "/tmux-clients")
    count = [0]
    def start(tag, launcher):
        count[0] += 1
        sess = "%s%d" % (tag, count[0])
        t0 = time.perf_counter()
        # "exec": the pane's shell becomes the launcher, which execs mqchat, so
        # the pane's pid is mqchat's.
        out, ok = t.cmd("new-session -d -P -F '#{pane_pid}' -s %s -x %s -y %s %s"
                        % (sess, cols, rows, shlex.quote("exec " + shlex.quote(launcher))))
        if not ok or not out or not out[0].isdigit():
            die("tmux new-session failed: %r" % b" ".join(out).decode(errors="replace"))
        pid = int(out[0])
        while True:
            screen, ok = t.cmd("capture-pane -p -t %s" % sess)
            now = time.perf_counter()
            if ok and marker in b"\n".join(screen):
                break
            if not alive(pid) or now - t0 > deadline:
                log("%s: the newest message is not on the pane after %.1f s (%s); screen:" %
                    (sess, now - t0, "client running" if alive(pid) else "client exited"))
                sys.stderr.write(b"\n".join(x for x in screen if x.strip()).decode(errors="replace") + "\n")
                die("%s stderr:" % sess, launcher + ".err")
            time.sleep(poll)
        cpu = cpu_s(pid)
        try:
            exe = os.path.basename(os.readlink("/proc/%d/exe" % pid))
        except OSError:
            exe = "?"
        if exe != "mqchat":  # else the CPU time above is not mqchat's
            die("%s: the pane's process is %s, not mqchat" % (sess, exe))
        t.cmd("kill-session -t %s" % sess)
        t_end = time.time() + 5
        while alive(pid) and time.time() < t_end:
            time.sleep(0.01)
        if alive(pid):
            log("%s: still running 5 s after its session was killed; SIGKILL" % sess)
            os.kill(pid, 9)
            while alive(pid):
                time.sleep(0.01)
        return now - t0, cpu

    interleave(pair, lambda: start("a", E["OS_LAUNCH_A"]), lambda: start("b", E["OS_LAUNCH_B"]),
               "A: `mqchat history` (the full-screen chat), B: `mqchat history --tail -n 20`, "
               "each in a fresh %sx%s tmux session; wall: new-session until the newest of %s messages is on the pane "
               "(capture-pane every %s ms); cpu: the client's live threads until then" % (cols, rows, E["OS_SEED"], E["OS_POLL_MS"]),
               "cpu")
else:
    die("unknown pair " + pair)
EOF

tables=$tmp/tables.md
: >"$tables"
harness() {
    [[ " $PAIRS " == *" $1 "* ]] || return 0
    env OS_TMP="$tmp" OS_ROUNDS="$ROUNDS" OS_N="$N" OS_TABLES="$tables" OS_MQCHAT="$BIN/mqchat" \
        OS_MOSQUITTO_PUB="$(command -v mosquitto_pub)" OS_CURL="$(command -v curl)" \
        OS_PLAIN_PORT="$plain_port" OS_COUNTER_OUT="$tmp/counter.out" \
        OS_SERVER="$server" OS_SESSION="$session_file" OS_AUTH_HEADER="$tmp/auth-header" \
        OS_USER_STATE="$tmp/user-state" OS_USER_CONFIG="$tmp/user-config" \
        OS_TMUX_SOCK="$SOCK" OS_COLS="$COLS" OS_ROWS="$ROWS" OS_POLL_MS="$POLL_MS" OS_DEADLINE="$DEADLINE" \
        OS_SEED="$SEED" OS_MARKER="${marker:-}" OS_LAUNCH_A="$tmp/chat-a.sh" OS_LAUNCH_B="$tmp/chat-b.sh" \
        PYTHONPATH=$here "$PY" "$tmp/oneshot.py" "$1"
}

# --- pair 1: send-noauth ----------------------------------------------------
# A counting subscriber, subscribed (its retained probe arrived) before the runs.
mosquitto_pub -h 127.0.0.1 -p "$plain_port" -q 1 -r -t chat/bench/probe -m PROBE
mosquitto_sub -V 5 -q 1 -h 127.0.0.1 -p "$plain_port" -t chat/bench/messages -t chat/bench/probe >"$tmp/counter.out" 2>"$tmp/counter.err" &
counter_pid=$!
await "oneshot.sh: mosquitto_sub (counter)" 200 0.05 "$counter_pid" "$tmp/counter.err" grep -qx PROBE "$tmp/counter.out"
log "send-noauth: $ROUNDS rounds of $N A/B runs"
harness send-noauth
kill "$counter_pid" 2>/dev/null || true
wait "$counter_pid" 2>/dev/null || true
counter_pid=

# --- pair 2: send-auth --------------------------------------------------------
log "send-auth: $ROUNDS rounds of $N A/B runs"
harness send-auth

# --- pair 3: chat-start -------------------------------------------------------
marker="newest of $SEED, seed $$"
{
    for ((i = 1; i < SEED; i++)); do printf 'history line %d of %d: the quick brown fox jumps over the lazy dog\n' "$i" "$SEED"; done
    printf '%s\n' "$marker"
} >"$tmp/seed.txt"
env "${USER_ENV[@]}" "$BIN/mqchat" history --send - -q <"$tmp/seed.txt" || die "seeding the room history failed"
for side in a b; do
    if [[ $side == a ]]; then args=(history); else args=(history --tail -n 20); fi
    {
        echo '#!/bin/sh'
        echo "exec env $(printf '%q ' "${USER_ENV[@]}" "$BIN/mqchat" "${args[@]}")2>$(printf '%q' "$tmp/chat-$side.sh.err")"
    } >"$tmp/chat-$side.sh"
    chmod +x "$tmp/chat-$side.sh"
done
log "chat-start: $SEED messages in the room; $ROUNDS rounds of $N A/B runs"
harness chat-start

# --- the block ------------------------------------------------------------------
load_end=$(cut -d' ' -f1-3 /proc/loadavg)
cpu_model=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
rev=$(git -C "$here/.." rev-parse --short HEAD 2>/dev/null || echo '?')
if [[ $rev != '?' ]] && ! git -C "$here/.." diff --quiet HEAD -- src 2>/dev/null; then rev="$rev (src/ modified)"; fi
echo "## bench/oneshot.sh: one-shot commands, interleaved A/B ($ROUNDS rounds x $N runs per side)"
echo
echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC'); mqchat $("$BIN/mqchat" --version | awk '{ print $NF }'), tree $rev, binaries of $(date -u -r "$SRC_BIN/mqchat" '+%H:%M UTC')"
echo "- machine: $(nproc) CPU(s), ${cpu_model:-unknown CPU}, kernel $(uname -r); temp dir on $(df -T "$tmp" | awk 'NR == 2 { print $2 }')"
echo "- load average (1/5/15 min): $load_start at start, $load_end at end"
echo "- tools: mosquitto $(mosquitto -h 2>/dev/null | awk 'NR == 1 { print $3 }'), $(curl --version | awk 'NR == 1 { print $1, $2 }'), $(tmux -V), Python $("$PY" -c 'import platform; print(platform.python_version())')"
echo "- per round: the median of N runs per side; ratio = A/B of those medians; **median** row: median of the per-round values"
echo
cat "$tables"
