#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The tables of bench/compare_pytorch.sh from its result lines ("LABEL CONFIG {json}"), a line per
run appended to a CSV file, and for the scaling runs a PNG plot (gnuplot).

  compare_report.py RESULTS --commit C --machine M [--csv bench/results.csv] [--plot out.png]
"""
import argparse
import csv
import datetime
import json
import os
import statistics
import subprocess
import tempfile


def median_epoch(r):
    s = r["epoch_seconds"]
    return statistics.median(s[1:] if len(s) > 1 else s)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("results")
    p.add_argument("--commit", default="unknown")
    p.add_argument("--machine", default="")
    p.add_argument("--csv")
    p.add_argument("--plot")
    a = p.parse_args()

    peak, runs, gemm = None, {}, {}
    with open(a.results) as f:
        for line in f:
            label, rest = line.split(" ", 1)
            if label == "peak:":
                peak = json.loads(rest)
                continue
            if label == "gemm:":
                g = json.loads(rest)
                gemm[g["threads"]] = g
                continue
            config, js = rest.split(" ", 1)
            runs.setdefault(label, {})[config] = json.loads(js)

    rows = []
    print()
    print("| run | impl (config) | s/epoch (median, excl. 1st) | samples/s | total s | test acc | GFLOP/s (% of FMA peak) "
          "| predict samples/s @1024 | batch-1 latency µs | peak RSS MiB |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for label, configs in runs.items():
        mlp = configs["mlp"]
        torch_configs = {k: v for k, v in configs.items() if k != "mlp"}
        best_name = min(torch_configs, key=lambda k: median_epoch(torch_configs[k]))
        for name, r in [("mlp", mlp)] + [(k, torch_configs[k]) for k in torch_configs]:
            t = median_epoch(r)
            samples = 60000 / t
            gflop = mlp["gflop_per_epoch"] / t
            peak_all = peak["gflops_all_threads"] if r["threads"] > 1 else peak["gflops_1_thread"]
            impl = "mlp (oneDNN)" if name == "mlp" else f"PyTorch {r.get('torch', '')} ({name})" + (
                " ← best" if name == best_name else "")
            pred = f"{r['predict_samples_per_s']:,.0f}" if "predict_samples_per_s" in r else ""
            lat = f"{r['latency_us']:.1f}" if "latency_us" in r else ""
            print(f"| {label} | {impl} | {t:.3f} | {samples:,.0f} | {r['total_seconds']:.2f} | "
                  f"{100 * r['test_accuracy']:.2f}% | {gflop:.1f} ({100 * gflop / peak_all:.0f}%) | {pred} | {lat} | "
                  f"{r['peak_rss_mib']:.0f} |")
            rows.append({"label": label, "impl": "mlp" if name == "mlp" else f"pytorch-{name}", "threads": r["threads"],
                         "batch": r["batch"], "params": r["params"], "s_per_epoch": round(t, 4),
                         "test_accuracy": r["test_accuracy"], "gflops": round(gflop, 1),
                         "predict_samples_per_s": round(r.get("predict_samples_per_s", 0)),
                         "latency_us": round(r.get("latency_us", 0), 1), "peak_rss_mib": round(r["peak_rss_mib"], 1)})
        best = torch_configs[best_name]
        ratio = median_epoch(best) / median_epoch(mlp)
        line = f"{label}: mlp is {ratio:.2f}x faster per epoch than PyTorch's best configuration ({best_name})"
        if "predict_samples_per_s" in mlp and "predict_samples_per_s" in best:
            line += (f"; inference {mlp['predict_samples_per_s'] / best['predict_samples_per_s']:.2f}x the samples/s "
                     f"at batch 1024, batch-1 latency {mlp['latency_us']:.1f} vs {best['latency_us']:.1f} µs")
        print(line)
        g = gemm.get(mlp["threads"])
        if g and mlp["batch"] == 128:
            # The last batch of an epoch is smaller: count steps as samples / batch.
            limit = g["step_seconds"] * 60000 / 128
            print(f"{label}: GEMM limit {limit:.3f} s per epoch ({g['products']} products of a step timed alone, "
                  f"{1e6 * g['step_seconds']:.0f} µs); mlp's epoch is {median_epoch(mlp) / limit:.2f}x it, "
                  f"PyTorch's best {median_epoch(best) / limit:.2f}x")
    print(f"FMA peak ({peak['isa']}): {peak['gflops_1_thread']} GFLOP/s on 1 thread, "
          f"{peak['gflops_all_threads']} on {peak['threads']}")

    if a.csv:
        new = not os.path.exists(a.csv)
        with open(a.csv, "a", newline="") as f:
            fields = ["date", "commit", "machine"] + list(rows[0].keys())
            w = csv.DictWriter(f, fieldnames=fields)
            if new:
                w.writeheader()
            stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%MZ")
            for r in rows:
                w.writerow({"date": stamp, "commit": a.commit, "machine": a.machine, **r})
        print(f"appended {len(rows)} rows to {a.csv}")

    groups = {}
    for label in runs:
        if "=" in label:
            key, value = label.split("=")
            groups.setdefault(key, []).append((int(value), label))
    if a.plot and groups:
        plot(groups, runs, a.plot)
        print(f"plot: {a.plot}")


def plot(groups, runs, path):
    """Seconds per epoch, mlp against PyTorch's best, one panel per swept setting (log-log)."""
    with tempfile.TemporaryDirectory() as tmp:
        script = [f"set terminal pngcairo size 1500,450 font 'DejaVu Sans,11'", f"set output '{path}'",
                  "set multiplot layout 1,3", "set logscale xy", "set grid", "set key top left",
                  "set ylabel 'seconds per epoch'"]
        for key, items in groups.items():
            items.sort()
            data = os.path.join(tmp, key + ".dat")
            with open(data, "w") as f:
                for value, label in items:
                    configs = runs[label]
                    torch_best = min(median_epoch(v) for k, v in configs.items() if k != "mlp")
                    f.write(f"{value} {median_epoch(configs['mlp'])} {torch_best}\n")
            xlabel = {"batch": "batch size", "width": "hidden width (2 layers)", "depth": "hidden layers (256 units)"}[key]
            script += [f"set xlabel '{xlabel}'", f"set title '{xlabel}'",
                       f"plot '{data}' using 1:2 with linespoints lw 2 title 'mlp', "
                       f"'{data}' using 1:3 with linespoints lw 2 title 'PyTorch (best BLAS)'"]
        script.append("unset multiplot")
        subprocess.run(["gnuplot"], input="\n".join(script), text=True, check=True)


if __name__ == "__main__":
    main()
