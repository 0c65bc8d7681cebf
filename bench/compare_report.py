#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The tables of bench/compare_pytorch.sh from its result lines ("LABEL CONFIG {json}"), a line per
run appended to a CSV file, and for the scaling runs a PNG plot (gnuplot).

  compare_report.py RESULTS --commit C --machine M [--csv bench/results.csv] [--plot out.png]

A label is LABEL@CONDITION, the condition "quiet" or "contended" (bench/load.sh keeping one core
busy); a label without one (results of an earlier version) is quiet, and so is a "gemm:" line
without a "condition" field. Epoch statistics leave out the first epoch (the warm-up) when there
are more: median, min, max, spread max/min, and the cores used, the CPU seconds of the process
over those epochs (epoch_cpu_seconds, all its threads) divided by their wall seconds. When both
conditions are present, a table sets them side by side.

The CSV gains columns as this script does (condition, epoch_min, epoch_max): when the file's
header lacks some, the file is rewritten with the new header, its rows kept, the new fields of
the old rows left empty.
"""
import argparse
import csv
import datetime
import json
import os
import re
import statistics
import subprocess
import tempfile

CONDITIONS = ("quiet", "contended")


def split_label(label):
    """"reference/2t@contended" -> ("reference/2t", "contended"); no "@": quiet."""
    base, _, condition = label.partition("@")
    return base, condition or "quiet"


def timed(r):
    """The epochs that count: all but the first (the warm-up) when there are more than one."""
    s = r["epoch_seconds"]
    return s[1:] if len(s) > 1 else s


def timed_cpu(r):
    """epoch_cpu_seconds of the same epochs, or None (results without it)."""
    c = r.get("epoch_cpu_seconds")
    if not c or len(c) != len(r["epoch_seconds"]):
        return None
    return c[1:] if len(c) > 1 else c


def median_epoch(r):
    return statistics.median(timed(r))


def cores_used(r):
    cpu, wall = timed_cpu(r), sum(timed(r))
    return sum(cpu) / wall if cpu is not None and wall > 0 else None


def fmt_cores(c):
    return f"{c:.2f}" if c is not None else ""


def best_torch(configs):
    torch_configs = {k: v for k, v in configs.items() if k != "mlp"}
    name = min(torch_configs, key=lambda k: median_epoch(torch_configs[k]))
    return name, torch_configs[name]


def parse(path):
    peak, runs, gemm = None, {}, {}
    with open(path) as f:
        for line in f:
            if not line.strip():
                continue
            label, rest = line.split(" ", 1)
            if label == "peak:":
                peak = json.loads(rest)
                continue
            if label == "gemm:":
                g = json.loads(rest)
                gemm[(g.get("condition") or "quiet", g["threads"])] = g
                continue
            config, js = rest.split(" ", 1)
            runs.setdefault(split_label(label), {})[config] = json.loads(js)
    return peak, runs, gemm


def main():
    p = argparse.ArgumentParser()
    p.add_argument("results")
    p.add_argument("--commit", default="unknown")
    p.add_argument("--machine", default="")
    p.add_argument("--csv")
    p.add_argument("--plot")
    a = p.parse_args()

    peak, runs, gemm = parse(a.results)

    rows = []
    print()
    print("| run | impl (config) | s/epoch (median, excl. 1st) | samples/s | total s | test acc | GFLOP/s (% of FMA peak) "
          "| predict samples/s @1024 | batch-1 latency µs | peak RSS MiB |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for (base, condition), configs in runs.items():
        label = f"{base}@{condition}"
        mlp = configs["mlp"]
        torch_configs = {k: v for k, v in configs.items() if k != "mlp"}
        best_name, best = best_torch(configs)
        for name, r in [("mlp", mlp)] + [(k, torch_configs[k]) for k in torch_configs]:
            t = median_epoch(r)
            samples = 60000 / t
            gflop = mlp["gflop_per_epoch"] / t
            peak_all = peak["gflops_all_threads"] if r["threads"] > 1 else peak["gflops_1_thread"]
            mode = " automatic" if r.get("thread_mode") == "automatic" else ""
            impl = f"mlp (oneDNN{mode})" if name == "mlp" else f"PyTorch {r.get('torch', '')} ({name})" + (
                " ← best" if name == best_name else "")
            pred = f"{r['predict_samples_per_s']:,.0f}" if "predict_samples_per_s" in r else ""
            lat = f"{r['latency_us']:.1f}" if "latency_us" in r else ""
            print(f"| {label} | {impl} | {t:.3f} | {samples:,.0f} | {r['total_seconds']:.2f} | "
                  f"{100 * r['test_accuracy']:.2f}% | {gflop:.1f} ({100 * gflop / peak_all:.0f}%) | {pred} | {lat} | "
                  f"{r['peak_rss_mib']:.0f} |")
            rows.append({"label": base, "impl": "mlp" if name == "mlp" else f"pytorch-{name}", "threads": r["threads"],
                         "batch": r["batch"], "params": r["params"], "s_per_epoch": round(t, 4),
                         "test_accuracy": r["test_accuracy"], "gflops": round(gflop, 1),
                         "predict_samples_per_s": round(r.get("predict_samples_per_s", 0)),
                         "latency_us": round(r.get("latency_us", 0), 1), "peak_rss_mib": round(r["peak_rss_mib"], 1),
                         "condition": condition, "epoch_min": round(min(timed(r)), 4),
                         "epoch_max": round(max(timed(r)), 4)})
        ratio = median_epoch(best) / median_epoch(mlp)
        line = f"{label}: mlp is {ratio:.2f}x faster per epoch than PyTorch's best configuration ({best_name})"
        if "predict_samples_per_s" in mlp and "predict_samples_per_s" in best:
            line += (f"; inference {mlp['predict_samples_per_s'] / best['predict_samples_per_s']:.2f}x the samples/s "
                     f"at batch 1024, batch-1 latency {mlp['latency_us']:.1f} vs {best['latency_us']:.1f} µs")
        print(line)
        g = gemm.get((condition, mlp["threads"]))
        if g and mlp["batch"] == 128:
            # The last batch of an epoch is smaller: count steps as samples / batch.
            limit = g["step_seconds"] * 60000 / 128
            print(f"{label}: GEMM limit {limit:.3f} s per epoch ({g['products']} products of a step timed alone, "
                  f"{1e6 * g['step_seconds']:.0f} µs); mlp's epoch is {median_epoch(mlp) / limit:.2f}x it, "
                  f"PyTorch's best {median_epoch(best) / limit:.2f}x")
    print(f"FMA peak ({peak['isa']}): {peak['gflops_1_thread']} GFLOP/s on 1 thread, "
          f"{peak['gflops_all_threads']} on {peak['threads']}")

    print_spread(runs)
    if all(any(c == cond for _, c in runs) for cond in CONDITIONS):
        print_conditions(runs)

    if a.csv and rows:
        write_csv(a.csv, rows, a.commit, a.machine)

    groups = {}
    for base, _ in runs:
        if "=" in base:
            key, value = base.split("=")
            if (int(value), base) not in groups.get(key, []):
                groups.setdefault(key, []).append((int(value), base))
    if a.plot and groups:
        plot(groups, runs, a.plot)
        print(f"plot: {a.plot}")


def print_spread(runs):
    """Each side's epochs: min, median, max, the spread max/min, and the cores it used."""
    print()
    print("| run | impl (config) | epochs (excl. 1st) | min s | median s | max s | spread max/min "
          "| cores used (CPU s / wall s) |")
    print("|---|---|---|---|---|---|---|---|")
    for (base, condition), configs in runs.items():
        best_name, _ = best_torch(configs)
        for name, r in configs.items():
            s = timed(r)
            impl = "mlp" if name == "mlp" else f"PyTorch ({name})" + (" ← best" if name == best_name else "")
            print(f"| {base}@{condition} | {impl} | {len(s)} | {min(s):.3f} | {median_epoch(r):.3f} | {max(s):.3f} | "
                  f"{max(s) / min(s):.2f} | {fmt_cores(cores_used(r))} |")


def print_conditions(runs):
    """Quiet against contended, for every run present in both."""
    bases = [b for b, c in runs if c == "quiet" and (b, "contended") in runs]
    if not bases:
        return
    print()
    print("quiet vs contended (bench/load.sh keeping one core busy): s/epoch are medians excluding the 1st epoch")
    print("| run | quiet | contended | contended / quiet |")
    print("|---|---|---|---|")

    def row(what, q, c, fmt, name_q="", name_c=""):
        change = f"{c / q:.2f}x" if q and c is not None else ""
        cell_q = fmt.format(q) + (f" ({name_q})" if name_q else "")
        cell_c = fmt.format(c) + (f" ({name_c})" if name_c else "")
        print(f"| {what} | {cell_q} | {cell_c} | {change} |")

    for base in bases:
        q, c = runs[(base, "quiet")], runs[(base, "contended")]
        (bq_name, bq), (bc_name, bc) = best_torch(q), best_torch(c)
        row(f"{base}: mlp s/epoch", median_epoch(q["mlp"]), median_epoch(c["mlp"]), "{:.3f}")
        row(f"{base}: PyTorch best s/epoch", median_epoch(bq), median_epoch(bc), "{:.3f}", bq_name, bc_name)
        row(f"{base}: PyTorch best / mlp (per epoch)", median_epoch(bq) / median_epoch(q["mlp"]),
            median_epoch(bc) / median_epoch(c["mlp"]), "{:.2f}x")
        row(f"{base}: mlp epoch spread max/min", max(timed(q["mlp"])) / min(timed(q["mlp"])),
            max(timed(c["mlp"])) / min(timed(c["mlp"])), "{:.2f}")
        row(f"{base}: PyTorch best epoch spread max/min", max(timed(bq)) / min(timed(bq)),
            max(timed(bc)) / min(timed(bc)), "{:.2f}")
        cq, cc = cores_used(q["mlp"]), cores_used(c["mlp"])
        if cq is not None and cc is not None:
            row(f"{base}: mlp cores used", cq, cc, "{:.2f}")
        cq, cc = cores_used(bq), cores_used(bc)
        if cq is not None and cc is not None:
            row(f"{base}: PyTorch best cores used", cq, cc, "{:.2f}")
        if all("predict_samples_per_s" in r for r in (q["mlp"], bq, c["mlp"], bc)):
            row(f"{base}: inference mlp / PyTorch best (samples/s @1024)",
                q["mlp"]["predict_samples_per_s"] / bq["predict_samples_per_s"],
                c["mlp"]["predict_samples_per_s"] / bc["predict_samples_per_s"], "{:.2f}x")

    # Thread scaling: LABEL/2t against LABEL/1t, as s/epoch at 1 thread over s/epoch at 2 threads.
    for base in bases:
        m = re.fullmatch(r"(.*)/2t", base)
        if not m or f"{m.group(1)}/1t" not in bases:
            continue
        one = m.group(1) + "/1t"
        speedup = {cond: median_epoch(runs[(one, cond)]["mlp"]) / median_epoch(runs[(base, cond)]["mlp"])
                   for cond in CONDITIONS}
        row(f"{m.group(1)}: mlp 2 threads vs 1 thread (s/epoch 1t / 2t)", speedup["quiet"], speedup["contended"],
            "{:.2f}x")
        speedup = {cond: median_epoch(best_torch(runs[(one, cond)])[1])
                   / median_epoch(best_torch(runs[(base, cond)])[1]) for cond in CONDITIONS}
        row(f"{m.group(1)}: PyTorch best 2 threads vs 1 thread", speedup["quiet"], speedup["contended"], "{:.2f}x")


def write_csv(path, rows, commit, machine):
    """Appends rows; a header without the new columns is widened first, the old rows kept."""
    fields = ["date", "commit", "machine"] + list(rows[0].keys())
    header = None
    if os.path.exists(path) and os.path.getsize(path) > 0:
        with open(path, newline="") as f:
            header = next(csv.reader(f), None)
    if header is not None:
        missing = [k for k in fields if k not in header]
        if missing:
            with open(path, newline="") as f:
                old = list(csv.DictReader(f))
            header = header + missing
            tmp = path + ".tmp"
            with open(tmp, "w", newline="") as f:
                w = csv.DictWriter(f, fieldnames=header, restval="", extrasaction="ignore")
                w.writeheader()
                w.writerows(old)
            os.replace(tmp, path)
            print(f"{path}: added the columns {', '.join(missing)} ({len(old)} earlier rows kept, those fields empty)")
        fields = header
    with open(path, "a", newline="") as f:
        w = csv.DictWriter(f, fieldnames=fields, restval="")
        if header is None:
            w.writeheader()
        stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%MZ")
        for r in rows:
            w.writerow({"date": stamp, "commit": commit, "machine": machine, **r})
    print(f"appended {len(rows)} rows to {path}")


def plot(groups, runs, path):
    """Seconds per epoch, mlp against PyTorch's best, one panel per swept setting (log-log), a pair
    of lines per condition present."""
    conditions = [c for c in CONDITIONS if any(cond == c for _, cond in runs)]
    with tempfile.TemporaryDirectory() as tmp:
        script = [f"set terminal pngcairo size 1500,450 font 'DejaVu Sans,11'", f"set output '{path}'",
                  "set multiplot layout 1,3", "set logscale xy", "set grid", "set key top left",
                  "set datafile missing '?'", "set ylabel 'seconds per epoch'"]
        for key, items in groups.items():
            items.sort()
            data = os.path.join(tmp, key + ".dat")
            with open(data, "w") as f:
                for value, base in items:
                    cols = [str(value)]
                    for cond in conditions:
                        configs = runs.get((base, cond))
                        if configs is None:
                            cols += ["?", "?"]
                        else:
                            cols += [str(median_epoch(configs["mlp"])), str(median_epoch(best_torch(configs)[1]))]
                    f.write(" ".join(cols) + "\n")
            xlabel = {"batch": "batch size", "width": "hidden width (2 layers)", "depth": "hidden layers (256 units)"}[key]
            lines = []
            for i, cond in enumerate(conditions):
                suffix = "" if conditions == ["quiet"] else f" ({cond})"
                dash = " dt 2" if cond == "contended" else ""
                lines += [f"'{data}' using 1:{2 + 2 * i} with linespoints lw 2 lc 1{dash} title 'mlp{suffix}'",
                          f"'{data}' using 1:{3 + 2 * i} with linespoints lw 2 lc 2{dash} "
                          f"title 'PyTorch (best BLAS){suffix}'"]
            script += [f"set xlabel '{xlabel}'", f"set title '{xlabel}'", "plot " + ", ".join(lines)]
        script.append("unset multiplot")
        subprocess.run(["gnuplot"], input="\n".join(script), text=True, check=True)


if __name__ == "__main__":
    main()
