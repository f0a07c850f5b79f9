#!/usr/bin/env python3
"""A sweep through a real Slurm cluster: a single-node cluster of Debian's slurmctld, slurmd and munged, started in
a temporary folder with its own key, socket, ports, spool and state (so a Slurm installation the machine already
runs is never touched), and stopped whatever happens.

The sweep's six configurations go in as one job array throttled to one task at a time (%1); one still-pending index
is cancelled with scancel; `pare sweep status` must report it cancelled and the others done; a second `pare sweep
run` must submit that one task alone and complete the sweep.

Usage: slurm_sweep.py PARE MODEL. Exit 77 (skipped) when Slurm or munge is not installed (`make test` installs
them).
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

DEADLINE = time.monotonic() + 480  # ctest's limit is 600 s: leave time to stop the cluster before it is killed
PROGRAMS = ["munged", "slurmctld", "slurmd", "sbatch", "squeue", "scancel", "sinfo"]
PREFIX = "pare-slurm-test-"


def fail(message):
    raise AssertionError(message)


def wait_for(what, condition, seconds):
    end = min(time.monotonic() + seconds, DEADLINE)
    while time.monotonic() < end:
        value = condition()
        if value:
            return value
        time.sleep(0.5)
    fail(f"timed out waiting for {what}")


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def processes_mentioning(text):
    """Pids whose command line mentions `text` (our daemons all name the cluster's folder)."""
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                if text.encode() in f.read():
                    pids.append(int(entry))
        except OSError:
            pass
    return pids


def stop_leftovers_of_earlier_runs():
    """A run killed by a timeout could not stop its daemons: stop any that name an earlier test cluster's folder."""
    for pid in processes_mentioning("/" + PREFIX):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


class Cluster:
    def __init__(self):
        self.folder = tempfile.mkdtemp(prefix=PREFIX)
        os.chmod(self.folder, 0o755)  # munged refuses a socket folder that others cannot enter
        self.daemons = []
        self.env = dict(os.environ, SLURM_CONF=os.path.join(self.folder, "slurm.conf"))
        self.host = socket.gethostname().split(".")[0]

    def path(self, *parts):
        return os.path.join(self.folder, *parts)

    def start(self):
        for sub in ["munge", "state", "spool", "log"]:
            os.makedirs(self.path(sub), mode=0o700)
        key = self.path("munge", "munge.key")
        with open(key, "wb") as f:
            f.write(os.urandom(1024))
        os.chmod(key, 0o400)
        # --force: CI runs as root, which munged refuses without it.
        subprocess.run(["munged", "--force", "--socket=" + self.path("munge", "socket"), "--key-file=" + key,
                        "--pid-file=" + self.path("munge", "munged.pid"), "--log-file=" + self.path("munge", "log"),
                        "--seed-file=" + self.path("munge", "seed")], check=True)
        node = subprocess.run(["slurmd", "-C"], check=True, capture_output=True, text=True).stdout.splitlines()[0]
        node = "NodeName=" + self.host + " NodeAddr=127.0.0.1 " + node.split(" ", 1)[1]
        config = f"""ClusterName=paretest
SlurmctldHost={self.host}(127.0.0.1)
SlurmctldPort={free_port()}
SlurmdPort={free_port()}
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket={self.path("munge", "socket")}
CredType=cred/munge
StateSaveLocation={self.path("state")}
SlurmdSpoolDir={self.path("spool")}
SlurmctldPidFile={self.path("slurmctld.pid")}
SlurmdPidFile={self.path("slurmd.pid")}
SlurmctldLogFile={self.path("log", "slurmctld.log")}
SlurmdLogFile={self.path("log", "slurmd.log")}
PlugStackConfig={self.path("plugstack.conf")}
ProctrackType=proctrack/pgid
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SwitchType=switch/none
MpiDefault=none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
ReturnToService=2
MailProg=/bin/true
{node} State=UNKNOWN
PartitionName=pare Nodes={self.host} Default=YES MaxTime=INFINITE State=UP
"""
        with open(self.env["SLURM_CONF"], "w") as f:
            f.write(config)
        open(self.path("plugstack.conf"), "w").close()
        for argv in (["slurmctld", "-D", "-f", self.env["SLURM_CONF"]],
                     ["slurmd", "-D", "-f", self.env["SLURM_CONF"], "-N", self.host]):
            log = open(self.path("log", argv[0] + ".out"), "w")
            self.daemons.append(subprocess.Popen(argv, env=self.env, stdout=log, stderr=subprocess.STDOUT))
        wait_for("the node to be idle",
                 lambda: subprocess.run(["sinfo", "--noheader", "--Node", "--format=%T"], env=self.env,
                                        capture_output=True, text=True).stdout.strip() == "idle", 60)

    def run(self, argv, **kwargs):
        return subprocess.run(argv, env=self.env, capture_output=True, text=True, **kwargs)

    def stop(self):
        if os.path.exists(self.env["SLURM_CONF"]) and self.daemons:
            self.run(["scancel", "--me"], timeout=20)
            try:
                wait_for("the queue to empty",
                         lambda: self.run(["squeue", "--me", "--noheader"], timeout=20).stdout.strip() == "", 30)
            except AssertionError:
                pass
        for daemon in self.daemons:
            daemon.terminate()
        for daemon in self.daemons:
            try:
                daemon.wait(timeout=15)
            except subprocess.TimeoutExpired:
                daemon.kill()
                daemon.wait()
        pid_file = self.path("munge", "munged.pid")
        if os.path.exists(pid_file):
            with open(pid_file) as f:
                pid = int(f.read().strip() or 0)
            if pid > 0:
                try:
                    os.kill(pid, signal.SIGTERM)
                    wait_for("munged to stop", lambda: not os.path.exists(f"/proc/{pid}"), 15)
                except ProcessLookupError:
                    pass
        for pid in processes_mentioning(self.folder):  # slurmstepd and anything else the cluster started
            os.kill(pid, signal.SIGKILL)
        left = processes_mentioning(self.folder) + [d.pid for d in self.daemons if d.poll() is None]
        shutil.rmtree(self.folder, ignore_errors=True)
        if left:
            fail(f"processes left running after the cluster stopped: {left}")


def sweep_status(cluster, pare, folder):
    out = cluster.run([pare, "sweep", "status", folder, "--json"], timeout=60)
    if out.returncode != 0:
        fail(f"pare sweep status exited {out.returncode}: {out.stderr}")
    return json.loads(out.stdout)


def main():
    pare, model = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    missing = [p for p in PROGRAMS if shutil.which(p) is None and not os.path.exists("/usr/sbin/" + p)]
    if missing:
        print(f"SKIPPED: {', '.join(missing)} not installed (make test installs slurmctld, slurmd, slurm-client, munge)")
        return 77
    os.environ["PATH"] += ":/usr/sbin"
    stop_leftovers_of_earlier_runs()
    cluster = Cluster()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("stopped by SIGTERM"))  # so `finally` stops the cluster
    try:
        cluster.start()
        work = cluster.path("work")
        os.makedirs(work)
        sweep = os.path.join(work, "sweep.json")
        with open(sweep, "w") as f:
            json.dump({"version": 1,
                       "recipe": {"version": 1, "steps": [
                           {"prune": {"method": "magnitude-global", "ratio": 0.5, "finetune_epochs": 1}},
                           {"quantize": {"bits": 8, "finetune_epochs": 0}}]},
                       "axes": [{"pointer": "/steps/0/prune/ratio", "from": 0.3, "to": 0.9, "count": 3},
                                {"pointer": "/steps/1/quantize/bits", "values": [4, 8]}]}, f)
        folder = os.path.join(work, "out")
        # --out relative to where pare runs: the array's tasks start in their own folder, on their node.
        run = [pare, "sweep", "run", sweep, "--model", model, "--data", "fashion-mnist", "--out", "out",
               "--executor", "slurm", "--poll", "1", "--train-limit", "600", "--test-limit", "500"]

        first = cluster.run(run + ["--array-limit", "1", "--no-wait"], timeout=120, cwd=work)
        if first.returncode != 0:
            fail(f"first sweep run exited {first.returncode}: {first.stderr}")
        job = first.stderr.split("submitted Slurm job array ")[1].split()[0]
        queue = cluster.run(["squeue", "--noheader", "--array", "--format=%K %T", "--job", job]).stdout
        if "5 PENDING" not in queue:
            fail(f"task 5 is not pending behind the %1 throttle: {queue}")
        cancel = cluster.run(["scancel", f"{job}_5"])
        if cancel.returncode != 0:
            fail(f"scancel: {cancel.stderr}")

        def settled():
            status = sweep_status(cluster, pare, folder)
            return status if status["counts"]["running"] + status["counts"]["pending"] == 0 else None

        status = wait_for("the throttled array to finish", settled, 300)
        states = {t["id"]: t["state"] for t in status["tasks"]}
        if states != {"000": "done", "001": "done", "002": "done", "003": "done", "004": "done", "005": "cancelled"}:
            fail(f"after scancel of task 5: {states}")
        text = cluster.run([pare, "sweep", "status", folder]).stdout
        if "cancelled" not in text.splitlines()[0]:
            fail(f"status text does not count the cancelled task: {text}")

        second = cluster.run(run, timeout=300, cwd=work)
        if second.returncode != 0:
            fail(f"second sweep run exited {second.returncode}: {second.stdout} {second.stderr}")
        with open(os.path.join(folder, "sweep-state.json")) as f:
            submissions = json.load(f)["submissions"]
        if [s["indices"] for s in submissions] != [[0, 1, 2, 3, 4, 5], [5]]:
            fail(f"the second run must resubmit task 5 alone: {submissions}")
        status = sweep_status(cluster, pare, folder)
        if status["counts"]["done"] != 6:
            fail(f"after the second run: {status['counts']}")
        with open(os.path.join(folder, "results.jsonl")) as f:
            results = [json.loads(line) for line in f]
        if sorted(r["id"] for r in results) != ["000", "001", "002", "003", "004", "005"]:
            fail(f"results.jsonl holds {[r['id'] for r in results]}")
        for r in results:
            if not os.path.getsize(r["out"]) == r["out_bytes"] or "/steps/0/prune/ratio" not in r["config"]:
                fail(f"result {r['id']}: model file or config missing")
        sizes = {r["id"]: r["sizes"]["pare"] for r in results}
        if not sizes["004"] < sizes["000"]:  # 90% pruned on 4 bits is smaller than 30% on 4 bits
            fail(f".pare sizes do not follow the configurations: {sizes}")
        print(f"6 tasks through Slurm job {job}; task 5 cancelled, then resubmitted alone; sizes {sizes}")
    finally:
        cluster.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
