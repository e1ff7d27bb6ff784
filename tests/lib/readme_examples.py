#!/usr/bin/python3
"""Run the README's commands on the sample capture, and check that each
prints what the README shows.

    readme_examples.py README DIR [--user USER]

From README's fenced blocks it takes every command on samples/sample.pcap:
a line that starts with `build/rxray ` (or `$ build/rxray `) and names
samples/sample.pcap. Each is run once, exactly as written, by
`bash -o pipefail -c` in DIR (as USER with runuser, when given; TZ=UTC,
LC_ALL=C.UTF-8, a plain PATH), and must exit 0. The lines that follow a
`$ ` command in its block, up to the next `$ ` or the block's end, are what
it prints (stdout, then stderr): they must appear in its output in that
order and, between two `...` lines (which stand for any lines), one after
the other.

The README's "First steps" section must run watch, requests and stats on
the sample, so that the test breaks if the README drops them.

Exit status 0 all as the README says, 1 not (each difference printed with
the command's output), 2 usage.
"""
import re
import subprocess
import sys

SAMPLE = "samples/sample.pcap"
FIRST_STEPS = re.compile(r"^## First steps")
NEEDED = [f"build/rxray {c} -r {SAMPLE}" for c in ("watch", "requests", "stats")]
ENV = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
       "TZ": "UTC", "LC_ALL": "C.UTF-8", "HOME": "/nonexistent"}


def parse(text):
    """[(section, command, [expected line or None for '...'] or None)] in order."""
    out, section, block, cur = [], "", False, None
    for line in text.splitlines():
        if not block and line.startswith("## "):
            section = line
        if line.startswith("```"):
            block, cur = not block, None
            continue
        if not block:
            continue
        dollar = line.startswith("$ ")
        cmd = line[2:] if dollar else line
        if cmd.startswith("build/rxray ") and SAMPLE in cmd:
            cur = [] if dollar else None
            out.append((section, cmd, cur))
            continue
        if dollar:
            cur = None  # a command of another kind: its output is not checked
        elif cur is not None:
            cur.append(None if line.strip() == "..." else line.rstrip())
    return out


def chunks(expected):
    """The runs of lines between '...' markers."""
    runs, run = [], []
    for line in expected:
        if line is None:
            if run:
                runs.append(run)
            run = []
        else:
            run.append(line)
    if run:
        runs.append(run)
    return runs


def find_in_order(lines, expected):
    """None if every run of expected is in lines, in order; else the first missing run."""
    at = 0
    for run in chunks(expected):
        for i in range(at, len(lines) - len(run) + 1):
            if lines[i:i + len(run)] == run:
                at = i + len(run)
                break
        else:
            return run
    return None


def run(cmd, cwd, user):
    argv = ["env", "-i"] + [f"{k}={v}" for k, v in ENV.items()] + ["bash", "-o", "pipefail", "-c", cmd]
    if user:
        argv = ["runuser", "-u", user, "--"] + argv
    return subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=120)


def main(argv):
    args = argv[1:]
    user = None
    if "--user" in args:
        i = args.index("--user")
        user = args[i + 1]
        del args[i:i + 2]
    if len(args) != 2:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    readme, cwd = args
    with open(readme, encoding="utf-8") as f:
        examples = parse(f.read())
    fails = []
    first = {cmd for section, cmd, _ in examples if FIRST_STEPS.match(section)}
    for need in NEEDED:
        if not any(c.split("#")[0].strip() == need for c in first):
            fails.append(f"the README's First steps do not run `{need}`")
    results = {}
    checked = 0
    for _section, cmd, expected in examples:
        if cmd not in results:
            results[cmd] = run(cmd, cwd, user)
            p = results[cmd]
            print(f"exit {p.returncode}  {cmd}  ({len(p.stdout.splitlines())} lines)")
            if p.returncode != 0:
                fails.append(f"`{cmd}` exits {p.returncode}: {p.stderr.strip()[:300]}")
        p = results[cmd]
        if not expected:
            continue
        lines = p.stdout.splitlines() + p.stderr.splitlines()
        missing = find_in_order(lines, expected)
        checked += sum(1 for e in expected if e is not None)
        if missing is not None:
            fails.append(f"`{cmd}` does not print what the README shows; the README's lines\n    "
                         + "\n    ".join(missing) + "\n  are not in its output:\n    "
                         + "\n    ".join(lines[:80]))
    for msg in fails:
        print("FAIL", msg)
    print(f"{len(results)} commands of README.md run{' as ' + user if user else ''}, "
          f"{checked} lines of output checked: {len(fails)} failed")
    return 1 if fails or not results else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
