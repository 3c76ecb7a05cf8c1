#!/usr/bin/python3
"""s4s-dask - s4s-normalize over many input files on a Dask cluster.

usage: s4s-dask [--scheduler=tcp://HOST:PORT | --local=N] --out=DIR
                [--binary=PATH] [--term-binary=PATH] [--report] [--reject]
                [-- FILTER-OPTIONS] INPUT...

Each INPUT (gzip or plain, any shape s4s-normalize reads) becomes one task
that runs s4s-normalize on it on a worker, writing
  DIR/<name>.ndjson            cleaned resources (<name>: the input's file
                               name without .gz, .json, .ndjson)
  DIR/<name>.report.ndjson     with --report
  DIR/<name>.reject.ndjson     with --reject
  DIR/<name>.stats.json, DIR/<name>.coverage.tsv
and then merges the per-file stats and coverage, in input order, with
`s4s-term merge-stats` and `s4s-term merge-coverage` into DIR/stats.json and
DIR/coverage.tsv: what one run over all the inputs would have written.

Invariants: the runner owns the output options (a FILTER-OPTION naming an
output is a usage error); two inputs with one <name> are refused before any
task runs; inputs and DIR are passed to workers as absolute paths, so they
must be on a file system every worker sees at the same path, and
s4s-normalize must be on the workers' PATH (or --binary=PATH).
Exit status: 0 all done without data errors; 1 usage error; 2 a task or the
merge failed (each failure is named); 3 done, with data errors in some file
(as s4s-normalize, so --fail-on=never among the FILTER-OPTIONS gives 0).
"""
import os
import shutil
import subprocess
import sys

USAGE = __doc__.split("\n\n")[1]
OUTPUT_OPTS = ("-o", "--output", "--report", "--reject", "--stats", "--coverage",
               "--split-by-type", "--split-gzip", "--summary")


def usage_error(msg):
    sys.stderr.write("s4s-dask: %s\n%s\n" % (msg, USAGE))
    sys.exit(1)


def base_name(path):
    name = os.path.basename(path)
    for suffix in (".gz", ".ndjson", ".json"):
        if name.endswith(suffix) and len(name) > len(suffix):
            name = name[: -len(suffix)]
    return name


def parse_args(argv):
    opts = {"scheduler": None, "local": None, "out": None, "binary": "s4s-normalize",
            "term": None, "report": False, "reject": False}
    filter_opts, inputs = [], []
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--":
            # filter options up to the first argument that is not an option;
            # everything after them is an input
            j = i + 1
            while j < len(argv) and argv[j].startswith("-") and argv[j] != "-":
                filter_opts.append(argv[j])
                j += 1
            inputs.extend(argv[j:])
            break
        if a in ("-h", "--help"):
            sys.stdout.write(__doc__.split("\n\n", 1)[1])
            sys.exit(0)
        key, eq, val = a.partition("=")
        if key == "--scheduler" and eq:
            opts["scheduler"] = val
        elif key == "--local" and eq:
            if not val.isdigit() or int(val) < 1:
                usage_error("--local needs a number of worker processes, not '%s'" % val)
            opts["local"] = int(val)
        elif key == "--out" and eq:
            opts["out"] = val
        elif key == "--binary" and eq:
            opts["binary"] = val
        elif key == "--term-binary" and eq:
            opts["term"] = val
        elif a == "--report":
            opts["report"] = True
        elif a == "--reject":
            opts["reject"] = True
        elif a.startswith("-") and a != "-":
            usage_error("unknown option '%s' (filter options go after --)" % a)
        else:
            inputs.append(a)
        i += 1
    if not opts["out"]:
        usage_error("--out=DIR is required")
    if opts["scheduler"] and opts["local"]:
        usage_error("--scheduler and --local exclude each other")
    if not inputs:
        usage_error("no INPUT files")
    if "-" in inputs:
        usage_error("inputs must be files (a worker cannot read this stdin)")
    for f in filter_opts:
        if f.split("=", 1)[0] in OUTPUT_OPTS:
            usage_error("'%s': the runner chooses the outputs (use --report / --reject)" % f)
    names = {}
    for path in inputs:
        n = base_name(path)
        if n in names:
            usage_error("'%s' and '%s' would both write %s.ndjson" % (names[n], path, n))
        names[n] = path
    return opts, filter_opts, inputs


def run_one(binary, filter_opts, path, out_dir, report, reject):
    """One task, on a worker: the filter over one input file."""
    stem = os.path.join(out_dir, base_name(path))
    cmd = [binary, "--quiet", "--output=" + stem + ".ndjson", "--stats=" + stem + ".stats.json",
           "--coverage=" + stem + ".coverage.tsv"]
    if report:
        cmd.append("--report=" + stem + ".report.ndjson")
    if reject:
        cmd.append("--reject=" + stem + ".reject.ndjson")
    cmd += filter_opts + [path]
    try:
        p = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE, check=False)
    except OSError as e:
        return path, 2, "cannot run %s: %s" % (binary, e)
    return path, p.returncode, p.stderr.decode("utf-8", "replace").strip()


def merge(term, sub, parts, dest):
    tmp = dest + ".tmp"
    with open(tmp, "wb") as f:
        p = subprocess.run([term, sub] + parts, stdout=f, stderr=subprocess.PIPE, check=False)
    if p.returncode != 0:
        os.unlink(tmp)
        msg = p.stderr.decode("utf-8", "replace").strip().split("\n")[0]
        return "s4s-term %s failed (status %d): %s" % (sub, p.returncode, msg)
    os.replace(tmp, dest)
    return None


def main(argv):
    opts, filter_opts, inputs = parse_args(argv)
    out_dir = os.path.abspath(opts["out"])
    os.makedirs(out_dir, exist_ok=True)
    inputs = [os.path.abspath(p) for p in inputs]
    binary = opts["binary"]
    if os.sep in binary:
        binary = os.path.abspath(binary)
    term = opts["term"]
    if not term:
        beside = os.path.join(os.path.dirname(binary), "s4s-term") if os.sep in binary else ""
        term = beside if beside and os.access(beside, os.X_OK) else (shutil.which("s4s-term") or "s4s-term")

    try:
        from distributed import Client, LocalCluster
    except ImportError:
        sys.stderr.write("s4s-dask: needs python3-distributed (apt-get install python3-distributed)\n")
        return 2
    if opts["scheduler"]:
        client, cluster = Client(opts["scheduler"]), None
    else:
        cluster = LocalCluster(n_workers=opts["local"] or os.cpu_count() or 1,
                               threads_per_worker=1, processes=True,
                               dashboard_address=None)
        client = Client(cluster)
    try:
        futures = client.map(run_one, [binary] * len(inputs), [filter_opts] * len(inputs),
                             inputs, [out_dir] * len(inputs), [opts["report"]] * len(inputs),
                             [opts["reject"]] * len(inputs), pure=False)
        results = client.gather(futures)
    finally:
        client.close()
        if cluster:
            cluster.close()

    status = 0
    for path, rc, err in results:
        if rc not in (0, 3):
            sys.stderr.write("s4s-dask: %s: s4s-normalize exit %d%s\n"
                             % (path, rc, (": " + err) if err else ""))
            status = 2
        elif rc == 3 and status == 0:
            status = 3
    if status == 2:
        return 2
    stems = [os.path.join(out_dir, base_name(p)) for p in inputs]
    for sub, suffix, dest in (("merge-stats", ".stats.json", "stats.json"),
                              ("merge-coverage", ".coverage.tsv", "coverage.tsv")):
        err = merge(term, sub, [s + suffix for s in stems], os.path.join(out_dir, dest))
        if err:
            sys.stderr.write("s4s-dask: %s\n" % err)
            status = 2
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
