#!/usr/bin/env python3
"""Benchmarks kstatus against kubectl v1.20.2 on the local control plane.

Starts its own control plane (tests/cluster/local-cluster.sh, state in /tmp/kstatus-bench),
builds kstatus in release mode and kubectl v1.20.2 from the same Debian source as the server,
then runs each workload with both tools, interleaved, and prints a Markdown table of medians
(min-max) and the kstatus/kubectl ratio. Requests are counted from the API server's audit log:
each tool uses its own user (bench-kstatus, bench-kubectl).

    python3 bench/run.py [--node sim|real] [--reps N]
                         [--only ceiling,cm1000,cm5000,startup,d50,crash,latency,watch,ns10k]

With --node real, pods are busybox containers on the real node (kubelet, containerd, runc)
whose command gives the behaviour; the default simulator runs the large watch scenario cheaply.

Not part of the test suite: it measures, it does not pass or fail.
"""

import argparse
import json
import os
import platform
import re
import socket
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CLUSTER = REPO / "tests" / "cluster" / "local-cluster.sh"
STATE = Path(os.environ.get("KSTATUS_CLUSTER_DIR", "/tmp/kstatus-bench"))
KUBECONFIG = STATE / "kubeconfig"
AUDIT = STATE / "logs" / "audit.log"
TARGET = Path(os.environ.get("CARGO_TARGET_DIR", REPO / "target"))
KSTATUS = TARGET / "release" / "kstatus"
SIM = TARGET / "release" / "examples" / "kubelet-sim"
CEILING = TARGET / "release" / "examples" / "ssa-ceiling"
ENGINE_MEMORY = TARGET / "release" / "examples" / "engine-memory"
WORK = Path(tempfile.mkdtemp(prefix="kstatus-bench-"))
TOOLS = ("kstatus", "kubectl")


def log(message):
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def sh(*args, **kwargs):
    return subprocess.run(args, check=True, **kwargs)


# ---------------------------------------------------------------------------------------------
# Workloads


def namespace(name):
    return f"apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {name}\n"


# What a workload's pods do, per node kind: the simulator reads the image name, the real node
# runs busybox with a command.
BEHAVIOURS = {
    "sim": {"serve": "image: registry.example/web:1.0",
            "crash": "image: registry.example/crashloop:1"},
    "real": {"serve": "image: busybox:1.36\n        command: [\"sh\", \"-c\", \"trap 'exit 0' TERM; sleep 3600 & wait\"]",
             "crash": "image: busybox:1.36\n        command: [\"sh\", \"-c\", \"echo 'panic: cannot connect to database' >&2; exit 1\"]"},
}
NODE = "sim"


def deployment(name, ns, replicas, behaviour="serve", ready_after=None, deadline=600, labels=None):
    labels = dict(labels or {}, app=name)
    label_text = ", ".join(f"{k}: {v}" for k, v in labels.items())
    container = BEHAVIOURS[NODE][behaviour]
    probe = ""
    if ready_after is not None:
        # The real node's kubelet cannot reach pod IPs (see README): an exec probe there.
        check = ("httpGet: {path: /healthz, port: 8080}" if NODE == "sim"
                 else "exec: {command: [\"true\"]}\n          periodSeconds: 1")
        probe = (f"        readinessProbe:\n          initialDelaySeconds: {ready_after}\n"
                 f"          {check}\n")
    return (f"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\n  namespace: {ns}\n"
            f"  labels: {{{label_text}}}\nspec:\n  replicas: {replicas}\n"
            f"  progressDeadlineSeconds: {deadline}\n"
            f"  selector:\n    matchLabels: {{app: {name}}}\n  template:\n"
            f"    metadata:\n      labels: {{{label_text}}}\n"
            f"    spec:\n      containers:\n      - name: main\n        {container}\n{probe}")


def write(name, documents):
    path = WORK / name
    path.write_text("---\n".join(documents))
    return path


# ---------------------------------------------------------------------------------------------
# Measurement


def audit_mark():
    """A position in the audit log that survives rotation: the file's inode and its line count.

    The API server renames audit.log to audit-<time>.log at 200 MB (--audit-log-maxsize) and
    starts a new one; a full run writes more than that, so a mark taken before the rotation
    has to find its lines in the renamed file (same inode) and continue into the newer ones.
    """
    try:
        with AUDIT.open("rb") as f:
            return (os.fstat(f.fileno()).st_ino, sum(1 for _ in f))
    except FileNotFoundError:
        return (None, 0)


def audit_entries(mark):
    """Audit entries written since `mark`, across any rotation in between."""
    inode, since_line = mark
    current = AUDIT.stat().st_ino
    files = [AUDIT]
    if inode is not None and inode != current:
        rotated = sorted(AUDIT.parent.glob("audit-*.log"))
        first = next((i for i, f in enumerate(rotated) if f.stat().st_ino == inode), None)
        if first is None:
            raise RuntimeError(f"the audit log file of the mark (inode {inode}) is gone")
        files = rotated[first:] + [AUDIT]
    for index, path in enumerate(files):
        skip = since_line if index == 0 else 0
        with path.open() as f:
            for i, line in enumerate(f):
                if i >= skip:
                    try:
                        yield json.loads(line)
                    except json.JSONDecodeError:
                        continue


def requests_by(user, mark):
    """Distinct requests (audit IDs) made by `user` since the mark; a watch counts once."""
    time.sleep(1.0)  # let the API server flush the audit entries of the last requests
    return len({e["auditID"] for e in audit_entries(mark) if e["user"]["username"] == user})


def timed(command, env_extra=None):
    """Runs a command under GNU time: (wall seconds, max RSS MiB, exit code, output)."""
    stats = WORK / "time.txt"
    env = dict(os.environ, KUBECONFIG=str(KUBECONFIG), NO_COLOR="1", **(env_extra or {}))
    started = time.monotonic()
    done = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", str(stats), *command],
                          env=env, capture_output=True, text=True)
    wall = time.monotonic() - started
    rss_kib = int(stats.read_text().strip().splitlines()[-1])
    return wall, rss_kib / 1024, done.returncode, done.stdout + done.stderr


def kubectl(*args):
    return [KUBECTL, "--context", "bench-kubectl", *args]


def kstatus(*args):
    return [str(KSTATUS), "--context", "bench-kstatus", *args, "--progress", "plain"]


def run_steps(tool, steps):
    """Runs commands one after another as one measured operation."""
    mark = audit_mark()
    wall = 0.0
    rss = 0.0
    codes = []
    output = ""
    for command in steps:
        w, r, code, out = timed(command)
        if code != 0:
            log(f"exit {code}: {' '.join(map(str, command))}\n{out[-1500:]}")
        wall += w
        rss = max(rss, r)
        codes.append(code)
        output += out
    ended = time.time()
    return {"wall": wall, "rss": rss, "requests": requests_by(f"bench-{tool}", mark),
            "exit": codes, "output": output, "ended": ended, "mark": mark}


def delete_namespace(name):
    """Deletes a namespace and waits until it is gone: on the real node, terminating 150 pods
    takes minutes of CPU that would otherwise be charged to the next measured run."""
    subprocess.run(kubectl("delete", "namespace", name, "--wait=true", "--timeout=15m"),
                   capture_output=True, env=dict(os.environ, KUBECONFIG=str(KUBECONFIG)))


# ---------------------------------------------------------------------------------------------
# Benchmarks: each returns {tool: [sample dict, ...]}


def bench_d50(reps):
    samples = {t: [] for t in TOOLS}
    for rep in range(reps):
        for tool in (TOOLS if rep % 2 == 0 else TOOLS[::-1]):
            ns = f"bench-d50-{tool}-{rep}"
            ns_file = write(f"{ns}-ns.yaml", [namespace(ns)])
            d50 = write(f"{ns}.yaml", [deployment(f"web-{i}", ns, 3, ready_after=1) for i in range(50)])
            if tool == "kstatus":
                steps = [kstatus("apply", "-f", str(ns_file), "-f", str(d50), "--stabilization", "0",
                                 "--timeout", "10m")]
            else:
                # kubectl 1.20's rollout status takes one resource at a time.
                steps = [kubectl("apply", "--server-side", "-f", str(ns_file), "-f", str(d50))]
                steps += [kubectl("rollout", "status", "-n", ns, f"deployment/web-{i}", "--timeout", "10m")
                          for i in range(50)]
            mark = audit_mark()
            sample = run_steps(tool, steps)
            sample["overhead"] = sample["ended"] - last_status_write(mark, ns, sample["ended"])
            log(f"d50 {tool} rep {rep}: {sample['wall']:.1f}s, {sample['requests']} requests, "
                f"{sample['rss']:.0f} MiB, exit {sample['exit']}, "
                f"{sample['overhead']:.2f}s after the last Deployment became available")
            samples[tool].append(sample)
            delete_namespace(ns)
    return samples


def bench_cm1000(reps):
    return bench_configmaps(reps, 1000)


def bench_cm5000(reps):
    return bench_configmaps(reps, 5000)


def bench_configmaps(reps, count):
    """Applies `count` new ConfigMaps (and their namespace); the rate is objects per second of
    the tool's wall time, process start and (kstatus) tracking included. The server's ceiling is
    measured before every rep and after the last: each run is compared with the ceiling runs on
    either side of it, since the ceiling moves severalfold with the machine's load and a ceiling
    measured minutes apart would compare two different machines. The ceiling's batches are as
    large as the run's (`count` objects per level): the ceiling is then the rate the server
    sustains for as long as the run lasts, not over a one-second sample that may catch its best
    moment. Above 1,000 objects only the levels from 16 up are measured (the lower ones have
    never been the best, and would take minutes)."""
    samples = {t: [] for t in TOOLS}
    levels = CEILING_LEVELS if count <= 1000 else tuple(l for l in CEILING_LEVELS if l >= 16)
    ceilings = [ceiling_sample(f"bench-ceiling-cm{count}-0", count, levels)["best"]]
    for rep in range(reps):
        rep_samples = []
        for tool in (TOOLS if rep % 2 == 0 else TOOLS[::-1]):
            ns = f"bench-cm{count}-{tool}-{rep}"
            ns_file = write(f"{ns}-ns.yaml", [namespace(ns)])
            cms = [f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-{i}\n  namespace: {ns}\n"
                   f"data:\n  index: \"{i}\"\n" for i in range(count)]
            cm_file = write(f"{ns}.yaml", cms)
            if tool == "kstatus":
                steps = [kstatus("apply", "-f", str(ns_file), "-f", str(cm_file), "--stabilization", "0")]
            else:
                steps = [kubectl("apply", "--server-side", "-f", str(ns_file), "-f", str(cm_file))]
            sample = run_steps(tool, steps)
            sample["rate"] = count / sample["wall"]
            sample["phase_rate"] = apply_phase_rate(sample["mark"], f"bench-{tool}", ns)
            throttled = re.search(r"throttled (\d+) request", sample["output"])
            sample["throttled"] = int(throttled.group(1)) if throttled else 0
            log(f"cm{count} {tool} rep {rep}: {sample['wall']:.2f}s ({sample['rate']:.0f} objects/s; apply "
                f"phase {sample['phase_rate']:.0f}/s), "
                f"{sample['requests']} requests, {sample['rss']:.0f} MiB, exit {sample['exit']}")
            samples[tool].append(sample)
            rep_samples.append(sample)
            delete_namespace(ns)
        ceilings.append(ceiling_sample(f"bench-ceiling-cm{count}-{rep + 1}", count, levels)["best"])
        for sample in rep_samples:
            sample["ceiling"] = statistics.mean(ceilings[-2:])
    return samples


CEILING_LEVELS = (1, 4, 8, 16, 32, 48, 64, 128)


def bench_ceiling(reps, objects=1000):
    """The API server's own ceiling for server-side apply of new ConfigMaps: the best rate of a
    minimal concurrent client (examples/ssa-ceiling.rs: kube's own client and kstatus's) over
    several concurrency levels, over HTTP/1.1 and HTTP/2. Returns
    [{"best": rate, "levels": {"http1/8": rate, ...}}, ...]."""
    return [ceiling_sample(f"bench-ceiling-{rep}", objects) for rep in range(reps)]


def ceiling_sample(ns, objects=1000, levels=CEILING_LEVELS):
    """One measurement of the ceiling (see bench_ceiling), in a namespace of its own."""
    sh(*kubectl("create", "namespace", ns), stdout=subprocess.DEVNULL,
       env=dict(os.environ, KUBECONFIG=str(KUBECONFIG)))
    done = subprocess.run([str(CEILING), "--context", "bench-kstatus", "--namespace", ns,
                           "--objects", str(objects), "--levels", ",".join(map(str, levels))],
                          env=dict(os.environ, KUBECONFIG=str(KUBECONFIG)), capture_output=True,
                          text=True, check=True)
    sample = json.loads(done.stdout)
    log(f"ceiling {ns}: best {sample['best']:.0f} objects/s at concurrency "
        f"{sample['bestConcurrency']} over {sample['bestProtocol']}; "
        + ", ".join(f"{level}: {rate:.0f}" for level, rate in sample["levels"].items()))
    delete_namespace(ns)
    return sample


class FirstBytes:
    """A local listener that records when the first bytes of each connection arrive: the
    moment a client sends its first API request (for TLS, its ClientHello)."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]

    def first_request_after(self, command, env):
        """Spawns `command`; seconds from the spawn to its first bytes (None if none came)."""
        started = time.monotonic()
        process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.sock.settimeout(10)
        arrived = None
        try:
            connection, _ = self.sock.accept()
            connection.settimeout(10)
            if connection.recv(1):
                arrived = time.monotonic()
            connection.close()
        except OSError:
            pass
        process.kill()
        process.wait()
        self.drain()
        return None if arrived is None else arrived - started

    def drain(self):
        """Closes the connections a killed tool left queued, so none is taken for the next's."""
        self.sock.settimeout(0)
        while True:
            try:
                self.sock.accept()[0].close()
            except OSError:
                return


def bench_startup(runs):
    """Time from process start to the first API request: both tools apply one ConfigMap with
    a kubeconfig (the bench cluster's, TLS and token) whose server is a local listener."""
    listener = FirstBytes()
    text = KUBECONFIG.read_text()
    server = re.search(r"server: (\S+)", text).group(1)
    kubeconfig = WORK / "startup.kubeconfig"
    kubeconfig.write_text(text.replace(server, f"https://127.0.0.1:{listener.port}"))
    cm = write("startup-cm.yaml", ["apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: startup\n"
                                   "  namespace: default\ndata:\n  a: b\n"])
    env = dict(os.environ, KUBECONFIG=str(kubeconfig), NO_COLOR="1")
    commands = {"kstatus": kstatus("apply", "-f", str(cm)),
                "kubectl": kubectl("apply", "--server-side", "-f", str(cm))}
    samples = {t: [] for t in TOOLS}
    for run in range(runs):
        for tool in (TOOLS if run % 2 == 0 else TOOLS[::-1]):
            seconds = listener.first_request_after(commands[tool], env)
            if seconds is not None:
                samples[tool].append({"ms": seconds * 1000})
    for tool in TOOLS:
        ms = sorted(s["ms"] for s in samples[tool])
        log(f"startup {tool}: median {statistics.median(ms):.1f} ms over {len(ms)} runs "
            f"(min {ms[0]:.1f}, max {ms[-1]:.1f})")
    return samples


def bench_crash(reps):
    samples = {t: [] for t in TOOLS}
    for rep in range(reps):
        for tool in (TOOLS if rep % 2 == 0 else TOOLS[::-1]):
            ns = f"bench-crash-{tool}-{rep}"
            ns_file = write(f"{ns}-ns.yaml", [namespace(ns)])
            bad = write(f"{ns}.yaml", [deployment("api", ns, 2, behaviour="crash", deadline=60)])
            if tool == "kstatus":
                steps = [kstatus("apply", "-f", str(ns_file), "-f", str(bad))]
            else:
                steps = [kubectl("apply", "--server-side", "-f", str(ns_file), "-f", str(bad)),
                         kubectl("rollout", "status", "-f", str(bad), "--timeout", "10m")]
            sample = run_steps(tool, steps)
            sample["names_cause"] = "CrashLoopBackOff" in sample["output"]
            log(f"crash {tool} rep {rep}: exit {sample['exit']} after {sample['wall']:.1f}s, "
                f"names the cause: {sample['names_cause']}")
            samples[tool].append(sample)
            delete_namespace(ns)
    return samples


def parse_time(stamp):
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


def apply_phase_rate(mark, user, ns):
    """Objects per second of the apply phase alone, as the API server saw it: ConfigMap patches
    by `user` in `ns` over the time from the first one received to the last one answered. The
    tool's wall time adds its start, connection, checks and report; this is the server's pace
    while the tool was sending."""
    patches = [e for e in audit_entries(mark)
               if e.get("stage") == "ResponseComplete" and e["user"]["username"] == user
               and e.get("verb") == "patch"
               and e.get("objectRef", {}).get("resource") == "configmaps"
               and e.get("objectRef", {}).get("namespace") == ns]
    if len(patches) < 2:
        return float("nan")
    first = min(parse_time(e["requestReceivedTimestamp"]) for e in patches)
    last = max(parse_time(e["stageTimestamp"]) for e in patches)
    return len(patches) / (last - first)


def last_status_write(mark, ns, before):
    """When the deployment controller last wrote a Deployment status in `ns` (from the audit
    log): the moment the last Deployment became available."""
    writes = [parse_time(e["stageTimestamp"]) for e in audit_entries(mark)
              if e.get("stage") == "ResponseComplete"
              and e.get("objectRef", {}).get("resource") == "deployments"
              and e.get("objectRef", {}).get("subresource") == "status"
              and e.get("objectRef", {}).get("namespace") == ns
              and parse_time(e["stageTimestamp"]) <= before]
    return max(writes) if writes else float("nan")


def bench_latency(reps):
    """Time from the Deployment becoming available (its last status write by the deployment
    controller, from the audit log) to the tool's exit."""
    samples = {t: [] for t in TOOLS}
    for rep in range(reps):
        for tool in (TOOLS if rep % 2 == 0 else TOOLS[::-1]):
            ns = f"bench-lat-{tool}-{rep}"
            ns_file = write(f"{ns}-ns.yaml", [namespace(ns)])
            app = write(f"{ns}.yaml", [deployment("web", ns, 1, ready_after=3)])
            if tool == "kstatus":
                steps = [kstatus("apply", "-f", str(ns_file), "-f", str(app), "--stabilization", "0")]
            else:
                steps = [kubectl("apply", "--server-side", "-f", str(ns_file), "-f", str(app)),
                         kubectl("rollout", "status", "-f", str(app))]
            mark = audit_mark()
            sample = run_steps(tool, steps)
            sample["latency"] = sample["ended"] - last_status_write(mark, ns, sample["ended"])
            log(f"latency {tool} rep {rep}: {sample['latency'] * 1000:.0f} ms")
            samples[tool].append(sample)
            delete_namespace(ns)
    return samples


def proc_cpu_seconds(pid):
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


def proc_peak_rss_mib(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def peak_anonymous_mib(command):
    """Runs a command, sampling its anonymous resident memory (heap, stacks: what it
    allocates, not the pages of its executable and libraries) every 2 ms; returns the peak."""
    env = dict(os.environ, KUBECONFIG=str(KUBECONFIG), NO_COLOR="1")
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak = 0
    while process.poll() is None:
        try:
            for line in Path(f"/proc/{process.pid}/status").read_text().splitlines():
                if line.startswith("RssAnon:"):
                    peak = max(peak, int(line.split()[1]))
        except (FileNotFoundError, ProcessLookupError):
            break
        time.sleep(0.002)
    process.wait()
    return peak / 1024


def bench_watch(idle_seconds):
    """`watch` over 10 Deployments x 20 replicas, with 1,000 unrelated pods elsewhere."""
    app_ns, noise_ns = "bench-watch-app", "bench-watch-noise"
    app = [namespace(app_ns)] + [deployment(f"svc-{i}", app_ns, 20, labels={"part-of": "shop"})
                                 for i in range(10)]
    noise = [namespace(noise_ns)] + [deployment(f"other-{i}", noise_ns, 100) for i in range(10)]
    log("setting up 200 app pods and 1,000 unrelated pods")
    setup = [str(KSTATUS), "--context", "admin", "apply", "-f", str(write("watch-app.yaml", app)),
             "-f", str(write("watch-noise.yaml", noise)), "--stabilization", "0", "--timeout", "15m",
             "--progress", "none"]
    subprocess.run(setup, env=dict(os.environ, KUBECONFIG=str(KUBECONFIG)), check=True,
                   stdout=subprocess.DEVNULL)
    samples = {}
    env = dict(os.environ, KUBECONFIG=str(KUBECONFIG), NO_COLOR="1")
    for tool in TOOLS:
        if tool == "kstatus":
            commands = [kstatus("watch", "-n", app_ns, "-l", "part-of=shop")]
        else:
            # kubectl 1.20 watches one resource type per process.
            commands = [kubectl("get", kind, "-n", app_ns, "-l", "part-of=shop", "-w")
                        for kind in ("deployments", "replicasets", "pods")]
        processes = [subprocess.Popen(c, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                     for c in commands]
        time.sleep(10)  # initial list and first render
        mark = audit_mark()
        started = time.time()
        cpu_before = sum(proc_cpu_seconds(p.pid) for p in processes)
        time.sleep(idle_seconds)
        cpu = sum(proc_cpu_seconds(p.pid) for p in processes) - cpu_before
        rss = sum(proc_peak_rss_mib(p.pid) for p in processes)
        ended = time.time()
        alive = all(p.poll() is None for p in processes)
        for p in processes:
            p.send_signal(signal.SIGINT)
            p.wait(timeout=30)
        # Requests received during the idle window only: the end of watches opened earlier
        # is logged when the process stops, and is not steady-state traffic.
        received = {e["auditID"] for e in audit_entries(mark)
                    if e["user"]["username"] == f"bench-{tool}"
                    and started <= parse_time(e["requestReceivedTimestamp"]) <= ended}
        per_minute = len(received) * 60 / idle_seconds
        log(f"watch {tool} ({len(processes)} process(es), all running: {alive}): peak RSS {rss:.0f} MiB, "
            f"idle CPU {cpu:.2f}s/{idle_seconds}s, {per_minute:.1f} requests/min")
        samples[tool] = [{"rss": rss, "cpu": cpu, "rpm": per_minute}]
    delete_namespace(app_ns)
    delete_namespace(noise_ns)
    return samples


def bare_pods(prefix, ns, count, labels):
    """Pods bound to the node directly (no scheduler, no controller): the fast way to fill a
    namespace with thousands of running pods."""
    label_text = ", ".join(f"{k}: {v}" for k, v in labels.items())
    container = BEHAVIOURS[NODE]["serve"]
    return [f"apiVersion: v1\nkind: Pod\nmetadata:\n  name: {prefix}-{i}\n  namespace: {ns}\n"
            f"  labels: {{{label_text}}}\nspec:\n  nodeName: kstatus-node\n  containers:\n"
            f"  - name: main\n    {container.replace(chr(10) + '        ', chr(10) + '    ')}\n"
            for i in range(count)]


def bench_ns10k(reps):
    """A namespace of 10,000 running pods: a 300-pod application (10 Deployments x 30) among
    9,700 unrelated pods (200 of 10 other Deployments, 9,500 bare). Measures `watch --once` of
    the application (memory follows the application) and of all 10,000 pods (per-pod memory,
    and time against `kubectl get pods` of the same selection)."""
    ns = "bench-big"
    env = dict(os.environ, KUBECONFIG=str(KUBECONFIG))
    app = [deployment(f"shop-{i}", ns, 30, labels={"part-of": "shop", "bench": "big"}) for i in range(10)]
    others = [deployment(f"other-{i}", ns, 20, labels={"bench": "big"}) for i in range(10)]
    log("ns10k: filling a namespace with 10,000 running pods (takes a few minutes)")
    setup = [str(KSTATUS), "--context", "admin", "apply", "-f", str(write("big-ns.yaml", [namespace(ns)])),
             "-f", str(write("big-app.yaml", app + others)),
             "-f", str(write("big-pods.yaml", bare_pods("noise", ns, 9500, {"bench": "big"}))),
             "--stabilization", "0", "--timeout", "20m", "--progress", "none"]
    subprocess.run(setup, env=env, check=True, stdout=subprocess.DEVNULL)
    samples = {t: [] for t in TOOLS}
    for rep in range(reps):
        for tool in (TOOLS if rep % 2 == 0 else TOOLS[::-1]):
            if tool == "kstatus":
                app_run = run_steps(tool, [kstatus("watch", "-n", ns, "-l", "part-of=shop", "--once")])
                all_run = run_steps(tool, [kstatus("watch", "-n", ns, "-l", "bench=big", "--once")])
            else:
                app_run = run_steps(tool, [kubectl("get", "deployments,replicasets,pods", "-n", ns, "-l", "part-of=shop")])
                all_run = run_steps(tool, [kubectl("get", "pods", "-n", ns, "-l", "bench=big")])
            rows = sum(1 for line in all_run["output"].splitlines() if "noise-" in line)
            anonymous = peak_anonymous_mib(kstatus("watch", "-n", ns, "-l", "bench=big", "--once")
                                           if tool == "kstatus" else
                                           kubectl("get", "pods", "-n", ns, "-l", "bench=big"))
            log(f"ns10k {tool} rep {rep}: application {app_run['wall']:.2f}s {app_run['rss']:.0f} MiB "
                f"exit {app_run['exit']}; all pods {all_run['wall']:.2f}s {all_run['rss']:.0f} MiB "
                f"(anonymous {anonymous:.1f} MiB) exit {all_run['exit']}, {rows} bare pods listed")
            samples[tool].append({"app_wall": app_run["wall"], "app_rss": app_run["rss"],
                                  "all_wall": all_run["wall"], "all_rss": all_run["rss"],
                                  "per_pod_kib": all_run["rss"] * 1024 / 10000,
                                  "anonymous_per_pod_kib": anonymous * 1024 / 10000,
                                  "marginal_kib": (all_run["rss"] - app_run["rss"]) * 1024 / 9700,
                                  "requests": app_run["requests"]})
    delete_namespace(ns)
    # The engine's own share, counted exactly (no allocator slack, no list pages in flight).
    engine = json.loads(subprocess.run([str(ENGINE_MEMORY), "10000"], check=True, capture_output=True,
                                       text=True).stdout)
    for sample in samples["kstatus"]:
        sample["engine_kib"] = engine["bytesPerPod"] / 1024
    return samples


# ---------------------------------------------------------------------------------------------
# Report


def figure(samples, key, fmt):
    values = [s[key] for s in samples]
    med = statistics.median(values)
    if len(values) == 1:
        return med, fmt.format(med)
    return med, f"{fmt.format(med)} ({fmt.format(min(values))}–{fmt.format(max(values))})"


def row(name, results, key, fmt, goal="", ratio=True):
    k_med, k_text = figure(results["kstatus"], key, fmt)
    c_med, c_text = figure(results["kubectl"], key, fmt)
    ratio = f"{k_med / c_med:.2f}" if c_med and ratio else "–"
    return f"| {name} | {k_text} | {c_text} | {ratio} | {goal} |"


def configmap_rows(name, results):
    """Wall, rate, share of the server's ceiling and requests of a ConfigMap workload."""
    rows = [row(f"{name}: wall (s)", results, "wall", "{:.2f}"),
            row(f"{name}: rate (objects/s)", results, "rate", "{:.0f}", "≥ 5× kubectl")]
    # Each run against the ceiling measured on either side of it (see bench_configmaps).
    share = {t: [dict(s, share=100 * s["rate"] / s["ceiling"]) for s in results[t]] for t in TOOLS}
    rows.append(row(f"{name}: share of the server's ceiling, runs on either side (%)", share, "share",
                    "{:.0f}", "≥ 80 %"))
    # The same run without the tool's start, checks and report: the audit log's apply phase.
    rows.append(row(f"{name}: apply phase alone, first patch received → last answered (objects/s, "
                    "audit log)", results, "phase_rate", "{:.0f}"))
    phase_share = {t: [dict(s, phase_share=100 * s["phase_rate"] / s["ceiling"]) for s in results[t]]
                   for t in TOOLS}
    rows.append(row(f"{name}: apply phase alone as a share of the same ceiling (%)", phase_share,
                    "phase_share", "{:.0f}"))
    # Whether "5x kubectl" is within the server's reach at all: kubectl's serial rate follows the
    # server's latency, the ceiling its throughput, and the two do not move together.
    reach = [{"reach": 500 * s["rate"] / s["ceiling"]} for s in results["kubectl"]]
    _, reach_text = figure(reach, "reach", "{:.0f}")
    rows.append(f"| {name}: 5× kubectl's rate as a share of the same ceiling (%; over 100: more than "
                f"the server takes from any client) | | {reach_text} | | |")
    rows.append(row(f"{name}: API requests", results, "requests", "{:.0f}"))
    rows.append(row(f"{name}: peak RSS (MiB)", results, "rss", "{:.0f}"))
    throttled = sum(s["throttled"] for s in results["kstatus"])
    rows.append(f"| {name}: requests throttled (429) | {throttled} | | | 0 |")
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--only", default="ceiling,cm1000,cm5000,startup,d50,crash,latency,watch,ns10k")
    parser.add_argument("--idle", type=int, default=60, help="seconds of idle watching")
    parser.add_argument("--keep", action="store_true", help="leave the control plane running")
    parser.add_argument("--node", choices=("sim", "real"), default="sim",
                        help="the kubelet simulator (default) or the real node")
    args = parser.parse_args()
    only = set(args.only.split(","))
    if args.node == "real" and only & {"watch", "ns10k"}:
        parser.error("the watch and ns10k scenarios run 1,200 and 10,000 pods: only with --node sim")

    global KUBECTL, NODE
    NODE = args.node
    log("building kstatus (release) and the kubelet simulator")
    sh("cargo", "build", "--release", "--bin", "kstatus", "--example", "kubelet-sim",
       "--example", "ssa-ceiling", "--example", "engine-memory", cwd=REPO)
    KUBECTL = subprocess.run(["bash", str(CLUSTER), "kubectl"], check=True, capture_output=True,
                             text=True).stdout.strip().splitlines()[-1]
    env = dict(os.environ, KSTATUS_CLUSTER_DIR=str(STATE), KSTATUS_KUBELET_SIM=str(SIM),
               KSTATUS_SIM_ARGS="--max-pods 12000 " + os.environ.get("KSTATUS_SIM_ARGS", ""))
    os.environ["KSTATUS_CLUSTER_DIR"] = str(STATE)
    sh("bash", str(CLUSTER), "up", "--node", args.node, env=env, stdout=subprocess.DEVNULL)
    try:
        results = {}
        if "ceiling" in only:
            results["ceiling"] = bench_ceiling(max(1, args.reps - 1))
        if "cm1000" in only:
            results["cm1000"] = bench_cm1000(max(1, args.reps - 1))
        if "cm5000" in only:
            results["cm5000"] = bench_cm5000(max(1, args.reps - 1))
        if "startup" in only:
            results["startup"] = bench_startup(10 * args.reps + 1)
        if "d50" in only:
            results["d50"] = bench_d50(args.reps)
        if "crash" in only:
            results["crash"] = bench_crash(max(1, args.reps - 1))
        if "latency" in only:
            results["latency"] = bench_latency(args.reps + 2)
        if "watch" in only:
            results["watch"] = bench_watch(args.idle)
        if "ns10k" in only:
            results["ns10k"] = bench_ns10k(args.reps)
    finally:
        shutil.rmtree(WORK, ignore_errors=True)
        if not args.keep:
            sh("bash", str(CLUSTER), "down", env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    kubectl_version = subprocess.run([KUBECTL, "version", "--client", "--short"], capture_output=True,
                                     text=True).stdout.strip()
    print(f"Benchmarks of {datetime.now(timezone.utc):%Y-%m-%d} on {platform.node() or 'this machine'}: "
          f"{os.cpu_count()} cores, Linux {platform.release()}; kubectl {kubectl_version} built "
          f"from the same source as the server; {'real node (kubelet, containerd, runc)' if NODE == 'real' else 'kubelet simulator'}; "
          f"{args.reps} repetitions, interleaved; "
          "median (min–max).\n")
    print("| figure | kstatus | kubectl | kstatus/kubectl | goal |")
    print("|---|---|---|---|---|")
    if "d50" in results:
        r = results["d50"]
        # Both tools wait for the same pods: the wall time is the cluster's, not a comparison.
        print(row("d50: wall to verdict (s), the cluster's rollout time", r, "wall", "{:.1f}", ratio=False))
        print(row("d50: overhead beyond readiness: last Deployment available → exit (s)", r,
                  "overhead", "{:.2f}"))
        print(row("d50: API requests", r, "requests", "{:.0f}", "≤ 60"))
        print(row("d50: peak RSS (MiB)", r, "rss", "{:.0f}", "≤ ½ of kubectl"))
    if "ceiling" in results:
        ceiling = results["ceiling"]
        best = [s["best"] for s in ceiling]
        levels = "; ".join(protocol.upper().replace("HTTP", "HTTP/") + " " + ", ".join(
            f"{level}: {statistics.median(s['levels'][f'{protocol}/{level}'] for s in ceiling):.0f}"
            for level in CEILING_LEVELS) for protocol in ("http1", "http2"))
        print(f"| ceiling: server-side apply of new ConfigMaps, best of a minimal client (objects/s) | "
              f"{statistics.median(best):.0f} ({min(best):.0f}–{max(best):.0f}); by concurrency {levels} | | | |")
    for name in ("cm1000", "cm5000"):
        if name in results:
            for line in configmap_rows(name, results[name]):
                print(line)
    if "startup" in results:
        print(row("startup: process start → first API request (ms)", results["startup"], "ms", "{:.1f}",
                  "≤ 20 ms"))
    if "crash" in results:
        r = results["crash"]
        print(row("crash: apply to non-zero exit (s)", r, "wall", "{:.1f}", "stabilization (10 s) + 2 s"))
        causes = {t: all(s["names_cause"] for s in r[t]) for t in TOOLS}
        print(f"| crash: message names CrashLoopBackOff | {'yes' if causes['kstatus'] else 'no'} | "
              f"{'yes' if causes['kubectl'] else 'no'} | | yes |")
    if "latency" in results:
        r = results["latency"]
        print(row("latency: Deployment available → exit (ms)", {t: [dict(s, ms=s['latency'] * 1000) for s in r[t]] for t in TOOLS},
                  "ms", "{:.0f}"))
    if "watch" in results:
        r = results["watch"]
        print(row("watch: peak RSS (MiB)", r, "rss", "{:.0f}"))
        print(row(f"watch: CPU while idle {args.idle}s (s)", r, "cpu", "{:.2f}"))
        print(row("watch: requests/min, steady state", r, "rpm", "{:.1f}", "0"))
    if "ns10k" in results:
        r = results["ns10k"]
        print(row("ns10k: watch --once of the 300-pod application, peak RSS (MiB)", r, "app_rss", "{:.0f}", "≤ 40"))
        print(row("ns10k: the same, wall (s)", r, "app_wall", "{:.2f}"))
        print(row("ns10k: watch --once of all 10,000 pods, peak RSS (MiB)", r, "all_rss", "{:.0f}"))
        print(row("ns10k: peak RSS per pod at 10,000 pods (KiB)", r, "per_pod_kib", "{:.1f}", "≤ 3"))
        print(row("ns10k: peak anonymous memory (heap; no executable pages) per pod at 10,000 pods (KiB)", r,
                  "anonymous_per_pod_kib", "{:.1f}", "≤ 3"))
        print(row("ns10k: RSS per pod beyond the application's run (KiB)", r, "marginal_kib", "{:.1f}", "≤ 3"))
        engine = statistics.median(s["engine_kib"] for s in r["kstatus"])
        print(f"| ns10k: bytes the engine holds per tracked pod, counting allocator (KiB) | {engine:.1f} | | | ≤ 3 |")
        print(row("ns10k: watch --once of all 10,000 pods, wall (s)", r, "all_wall", "{:.2f}", "≤ 1.5× kubectl get pods"))


if __name__ == "__main__":
    main()
