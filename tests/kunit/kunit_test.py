#!/usr/bin/env python3
"""`lkmemu test` and the console, as a module author and a user meet them (tests/kunit/).

Each scenario runs the real lkmemu binary of the build on the KUnit modules the build made
(guest-modules/samples/kunit/) and checks what it printed, line by line where the output is fixed.
"""
import argparse
import json
import os
import pty
import re
import select
import subprocess
import sys
import tempfile
import termios
import time


class Failure(Exception):
    pass


def check(condition, message):
    if not condition:
        raise Failure(message)


def run_test(args, *modules_and_options):
    command = [args.lkmemu, "test", *modules_and_options]
    done = subprocess.run(command, capture_output=True, text=True, timeout=240)
    return done.returncode, done.stdout, done.stderr


def module(args, name):
    return os.path.join(args.build_dir, "modules", name + ".ko")


def source(args, name):
    return os.path.join(args.source_dir, "guest-modules", "samples", "kunit", name + ".c")


def expect_lines(actual, expected, what):
    lines = actual.splitlines()
    if lines != expected:
        detail = "\n".join(f"  {'!' if i >= len(lines) or i >= len(expected) or lines[i] != expected[i] else ' '} "
                           f"{lines[i] if i < len(lines) else '<missing>'}   | expected: "
                           f"{expected[i] if i < len(expected) else '<nothing>'}"
                           for i in range(max(len(lines), len(expected))))
        raise Failure(f"{what}: output differs:\n{detail}")


def pass_fail(args):
    status, out, err = run_test(args, module(args, "pass_fail_test"))
    check(status == 1, f"exit status {status}, expected 1 (a case failed); stderr: {err}")
    path = source(args, "pass_fail_test")
    expect_lines(out, [
        "KTAP version 1",
        "1..1",
        "    KTAP version 1",
        "    # Subtest: pass_fail",
        "    1..2",
        "    ok 1 passing_test",
        f"    # failing_test: EXPECTATION FAILED at {path}:14",
        "    Expected 1 + 1 == 3, but",
        "        1 + 1 == 2 (0x2)",
        f"    # failing_test: EXPECTATION FAILED at {path}:15",
        '    Expected "lkmemu" == "linux", but',
        "    not ok 2 failing_test",
        "# pass_fail: pass:1 fail:1 skip:0 total:2",
        "not ok 1 pass_fail",
    ], "lkmemu test pass_fail_test.ko")
    check(err.strip().splitlines()[-1] == "# Totals: pass:1 fail:1 skip:0 total:2", f"stderr: {err}")


def crash_init(args):
    status, out, err = run_test(args, module(args, "crash_init_test"), module(args, "pass_fail_test"),
                                module(args, "example_test"))
    check(status == 1, f"exit status {status}, expected 1")
    lines = out.splitlines()
    check(lines[:2] == ["KTAP version 1", "1..3"], f"plan: {lines[:2]}")
    check("not ok 1 crash_init_test" in lines, f"no failed suite for the crashing module:\n{out}")
    diagnostics = [line for line in lines[:lines.index("not ok 1 crash_init_test")] if line.startswith("# ")]
    check(any("crash_init_test: `insmod " in line and "failed" in line for line in diagnostics),
          f"no diagnostic naming the failed insmod: {diagnostics}")
    check(any(line.startswith("# kernel: BUG: kernel NULL pointer dereference") for line in diagnostics),
          f"no kernel diagnostic: {diagnostics}")
    check(any("RIP: 0008:crash_init+" in line for line in diagnostics), f"no RIP line: {diagnostics}")
    # The modules after it still ran, in fresh machines.
    check("not ok 2 pass_fail" in lines and "ok 3 example" in lines, f"the next modules did not run:\n{out}")
    check(err.strip().splitlines()[-1] == "# Totals: pass:5 fail:2 skip:1 total:8", f"stderr: {err}")


def filter_(args):
    status, out, err = run_test(args, module(args, "pass_fail_test"), "--filter", "pass_fail.passing*")
    check(status == 0, f"exit status {status}, expected 0: only the passing case runs; {err}")
    expect_lines(out, [
        "KTAP version 1", "1..1", "    KTAP version 1", "    # Subtest: pass_fail", "    1..1",
        "    ok 1 passing_test", "# pass_fail: pass:1 fail:0 skip:0 total:1", "ok 1 pass_fail",
    ], "--filter pass_fail.passing*")
    # A suite filter: the other module's suites are left out.
    status, out, err = run_test(args, module(args, "pass_fail_test"), module(args, "example_test"),
                                "--filter", "exam?le")
    check(status == 0, f"exit status {status}: {err}")
    lines = out.splitlines()
    check(lines[1] == "1..1" and "ok 1 example" in lines and "pass_fail" not in out, f"--filter exam?le:\n{out}")


def json_(args):
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "results.json")
        status, out, err = run_test(args, module(args, "pass_fail_test"), module(args, "example_test"),
                                    "--json", path)
        check(status == 1, f"exit status {status}")
        with open(path) as f:
            data = json.load(f)
    check(data["totals"] == {"pass": 5, "fail": 1, "skip": 1, "total": 7}, f"totals: {data['totals']}")
    suites = {s["name"]: s for s in data["suites"]}
    check(set(suites) == {"pass_fail", "example"}, f"suites: {list(suites)}")
    failing = [c for c in suites["pass_fail"]["cases"] if c["name"] == "failing_test"][0]
    check(failing["status"] == "fail", f"failing_test: {failing}")
    check(any("EXPECTATION FAILED" in line for line in failing["log"]), f"failing_test's log: {failing['log']}")
    cases = {c["name"]: c for c in suites["example"]["cases"]}
    check(cases["skip_test"]["status"] == "skip" and
          cases["skip_test"]["skip_reason"] == "this case is skipped on purpose", f"skip_test: {cases['skip_test']}")
    params = cases["square_test"]["params"]
    check([p["name"] for p in params] == ["0 squared", "3 squared", "-4 squared"] and
          all(p["status"] == "pass" for p in params), f"square_test's params: {params}")
    check([m["file"] for m in data["modules"]] == [module(args, "pass_fail_test"), module(args, "example_test")],
          f"modules: {data['modules']}")


def samples(args):
    # The samples' suites: provider's exports (provider.ko loaded first, from depends=) and params'
    # parsing (the module's parameters after its file, as insmod takes them).
    status, out, err = run_test(args, module(args, "example_test"), module(args, "provider_test"),
                                module(args, "params_test"), "count=-3", "flag=y", "name=lkmemu", "values=4,5,6")
    check(status == 0, f"exit status {status}:\n{out}\n{err}")
    lines = out.splitlines()
    for expected in ["1..3", "ok 1 example", "ok 2 provider", "ok 3 params", "        ok 1 2 + 40",
                     "    ok 1 provider_add_test", "    ok 1 given_test", "    ok 2 defaults_test # SKIP parameters given",
                     "    ok 5 skip_test # SKIP this case is skipped on purpose"]:
        check(expected in lines, f"no line '{expected}' in:\n{out}")
    check(err.strip().splitlines()[-1] == "# Totals: pass:8 fail:0 skip:2 total:10", f"stderr: {err}")
    # Without parameters params_test checks the defaults instead.
    status, out, err = run_test(args, module(args, "params_test"))
    check(status == 0 and "    ok 2 defaults_test" in out.splitlines(), f"params_test without parameters:\n{out}")


def assert_alloc(args):
    status, out, err = run_test(args, module(args, "assert_test"))
    check(status == 1, f"exit status {status}")
    expect_lines(out, [
        "KTAP version 1", "1..1", "    KTAP version 1", "    # Subtest: assert", "    1..2",
        f"    # aborted_test: ASSERTION FAILED at {source(args, 'assert_test')}:19",
        "    Expected 6 * 7 == 43, but", "        6 * 7 == 42 (0x2a)", "    the answer is 42",
        "    not ok 1 aborted_test",
        "    ok 2 next_test",  # the assertion ended only its case, and the suite's exit ran after it
        "# assert: pass:1 fail:1 skip:0 total:2", "not ok 1 assert",
    ], "lkmemu test assert_test.ko")
    # kunit_kzalloc'd memory is freed when each case ends, the aborted one too: the kernel's
    # kmalloc use is back where it was once the modules are gone again. (The baseline is taken
    # after a first insmod/rmmod of hello: the first load leaves what the kernel keeps after it.)
    modules = [module(args, "assert_test"), module(args, "example_test")]
    script = (f"insmod {module(args, 'hello')}; rmmod hello; meminfo; " + "; ".join(f"insmod {m}" for m in modules) +
              "; rmmod assert_test; rmmod example_test; meminfo")
    done = subprocess.run([args.lkmemu, "run", "--json", "-", "-c", script], capture_output=True, text=True, timeout=240)
    summary = json.loads(done.stdout)
    outputs = [c["output"] for c in summary["commands"] if c["command"] == "meminfo"]
    check(len(outputs) == 2, f"meminfo outputs: {summary['commands']}")
    kmalloc = [re.search(r"KmallocBytes:\s*(\d+)", o) for o in outputs]
    check(all(kmalloc), f"no kmalloc figure in meminfo: {outputs}")
    check(kmalloc[0].group(1) == kmalloc[1].group(1),
          f"kmalloc bytes before and after the test modules differ:\n{outputs[0]}\n{outputs[1]}")


def console(args):
    """The interactive console: a command typed, recalled with Up, a half-typed line cancelled with Ctrl-C."""
    with tempfile.TemporaryDirectory() as home:
        env = dict(os.environ, HOME=home, TERM="xterm")
        pid, fd = pty.fork()
        if pid == 0:
            os.execve(args.lkmemu, [args.lkmemu, "run", "--initrd", "none"], env)
        output = b""

        def read_until(pattern, start=0, timeout=60):
            nonlocal output
            deadline = time.monotonic() + timeout
            while not re.search(pattern, output[start:]):
                left = deadline - time.monotonic()
                if left <= 0:
                    raise Failure(f"timed out waiting for {pattern!r}; the terminal showed:\n{output.decode(errors='replace')}")
                ready, _, _ = select.select([fd], [], [], left)
                if ready:
                    try:
                        output += os.read(fd, 4096)
                    except OSError:
                        raise Failure(f"lkmemu ended early:\n{output.decode(errors='replace')}")

        def type_keys(keys):
            # The prompt is printed before the line editor puts the terminal in raw mode; keys
            # that arrived in between would meet the pty's canonical mode (Ctrl-C a SIGINT,
            # Ctrl-D an EOF the editor never sees). So wait for raw mode (the master reports
            # the slave's termios) before typing.
            raw_deadline = time.monotonic() + 30
            while termios.tcgetattr(fd)[3] & termios.ICANON:
                check(time.monotonic() < raw_deadline, "the console never put the terminal in raw mode")
                time.sleep(0.01)
            os.write(fd, keys)

        try:
            read_until(rb"lkmemu> ")
            type_keys(b"meminfo\r")
            read_until(rb"(?s)PagesTotal.*lkmemu> ")
            # Up recalls the line; Enter runs it again.
            mark = len(output)
            type_keys(b"\x1b[A")
            read_until(rb"meminfo", mark)
            type_keys(b"\r")
            read_until(rb"(?s)PagesTotal.*lkmemu> ", mark)
            # Ctrl-C cancels a half-typed line: a new prompt, nothing run, lkmemu still there.
            mark = len(output)
            type_keys(b"rmmod nothing-of-th")
            read_until(rb"rmmod nothing-of-th", mark)
            type_keys(b"\x03")
            read_until(rb"(?s)\^C.*lkmemu> ", mark)
            check(b"^C" in output, "Ctrl-C did not show ^C")
            mark = len(output)
            type_keys(b"lsmod\r")
            read_until(rb"(?s)Module\s+Size.*lkmemu> ", mark)
            check(b"not currently loaded" not in output,
                  f"the cancelled line ran:\n{output.decode(errors='replace')}")
            # Ctrl-D on an empty line: the end.
            type_keys(b"\x04")
            deadline = time.monotonic() + 30
            while True:
                try:
                    if select.select([fd], [], [], 0.2)[0]:
                        output += os.read(fd, 4096)
                except OSError:
                    pass
                done, wait_status = os.waitpid(pid, os.WNOHANG)
                if done:
                    break
                check(time.monotonic() < deadline,
                      f"lkmemu did not end at Ctrl-D:\n{output[-600:].decode(errors='replace')}")
            pid = None
            check(os.WIFEXITED(wait_status), f"lkmemu did not exit normally: {wait_status}")
        finally:
            if pid:
                os.kill(pid, 9)
                os.waitpid(pid, 0)
        history = os.path.join(home, ".lkmemu_history")
        check(os.path.exists(history), "no ~/.lkmemu_history written")
        with open(history, errors="replace") as f:
            text = f.read()
        check("meminfo" in text and "lsmod" in text and "nothing-of-th" not in text, f"history: {text!r}")


SCENARIOS = {"pass_fail": pass_fail, "crash_init": crash_init, "filter": filter_, "json": json_,
             "samples": samples, "assert_alloc": assert_alloc, "console": console}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build-dir", required=True)
    parser.add_argument("--source-dir", required=True)
    parser.add_argument("scenario", choices=sorted(SCENARIOS))
    args = parser.parse_args()
    args.lkmemu = os.path.join(args.build_dir, "bin", "lkmemu")
    try:
        SCENARIOS[args.scenario](args)
    except Failure as failure:
        print(f"FAIL {args.scenario}: {failure}", file=sys.stderr)
        return 1
    print(f"ok {args.scenario}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
