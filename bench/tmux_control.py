# bench/tmux_control.py - one tmux control-mode client for the bench scripts:
# a poll of the screen (capture-pane) costs a line on a pipe, not a process
# start, so what is measured is the program under test, not tmux's start-up.
import atexit
import subprocess


class TmuxControl:
    """Attached to session `keeper` of tmux server `sock`. Its pid is appended
    to `clients_file` so that the calling script can clean up should this
    process be killed before close()."""

    def __init__(self, sock, clients_file):
        self.p = subprocess.Popen(["tmux", "-L", sock, "-C", "attach", "-t", "keeper"],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0)
        with open(clients_file, "a") as f:
            f.write("%d\n" % self.p.pid)
        atexit.register(self.close)
        self.p.stdin.write(b"display -p control-sync\n")
        while b"control-sync" not in b"\n".join(self.block()[0]):
            pass

    def cmd(self, line):
        """Runs one tmux command: (its output lines, whether it succeeded)."""
        self.p.stdin.write(line.encode() + b"\n")
        return self.block()

    def block(self):
        # "%begin TIME NUMBER FLAGS": FLAGS 1 marks a command this client
        # sent; tmux also emits blocks of its own (flags 0), skipped here.
        out, inside, ours = [], False, False
        while True:
            l = self.p.stdout.readline()
            if not l:
                raise SystemExit("tmux control client ended")
            l = l.rstrip(b"\r\n")
            if l.startswith(b"%begin"):
                inside, ours, out = True, l.split()[-1] == b"1", []
            elif inside and (l.startswith(b"%end") or l.startswith(b"%error")):
                if ours:
                    return out, l.startswith(b"%end")
                inside = False
            elif inside:
                out.append(l)

    def close(self):
        # End of stdin detaches a control client. Left to itself, an orphaned
        # one was once seen to hang, and with it a later kill-server.
        for f in (self.p.stdin, self.p.stdout):
            try:
                f.close()
            except OSError:
                pass
        try:
            self.p.wait(timeout=2)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()
