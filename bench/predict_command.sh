#!/usr/bin/env bash
# `mlp predict` as a whole command against a PyTorch script doing the same work, side by side: load
# the model file, read the 10,000 official MNIST test images (IDX), predict, write the CSV.
#   bench/predict_command.sh                  # REPS=5 timed runs of each side, at 2 and at 1 thread
#   REPS=9 MLP_BUILD_DIR=build-rel bench/predict_command.sh
# Environment: MLP_BUILD_DIR (default build) holds the mlp binary (already built: this script
# builds nothing); MLP_DATA_DIR (default ~/.cache/mlp/datasets) gets mnist/ from
# `mlp data fetch mnist`; REPS (default 5) timed runs per side and thread count.
# The model: the reference one (examples/mnist_mlp.toml, 784-256-256-10), trained for 1 epoch into
# a temporary run directory (the weights do not change the time of a prediction).
# Side (a): `mlp predict RUN/model.safetensors mnist/t10k-images-idx3-ubyte --out mlp.csv`; at 2
# threads with OMP_NUM_THREADS unset (mlp's default: all cores), at 1 with OMP_NUM_THREADS=1.
# Side (b): bench/pytorch_predict.py with the same arguments (it reads the safetensors file and the
# IDX file itself, builds the torch model from the file's metadata, scales by its divide_by,
# predicts in batches of 256 as mlp does, eval mode and no_grad, writes the same CSV), with
# torch.set_num_threads(T), OMP_NUM_THREADS=T, and LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/
# openblas-openmp when that directory exists (compare_pytorch.sh's best configuration).
# Each run is a whole process, timed wall-clock from spawn to exit (perf_counter around it, peak
# RSS from wait4's rusage); the sides alternate, after one untimed warm-up run of each (page cache
# warm for both). The same is done on a 1-image IDX file (the first test image), which shows each
# side's fixed cost (start-up, model load, output), and `python3 -c pass` and
# `python3 -c "import torch"` are timed alone, part of what a PyTorch user waits for.
# Checks: both CSVs have the same header and sample column, and the same predicted class in at
# least 99.9% of the rows (float differences may flip near-ties); exit 1 otherwise.
# Prints Markdown tables: seconds (median, min, max), the ratio PyTorch / mlp of the medians,
# peak RSS (the largest of the runs), and PyTorch's phases (the script's own clock, medians).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${MLP_BUILD_DIR:-build}
reps=${REPS:-5}
[[ $reps =~ ^[1-9][0-9]*$ ]] || { echo "predict_command: REPS must be a positive integer, got '$reps'" >&2; exit 2; }
[[ -x $build/mlp ]] || { echo "predict_command: no $build/mlp (build it first, or set MLP_BUILD_DIR)" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

"$build"/mlp data fetch mnist >/dev/null
data=${MLP_DATA_DIR:-$HOME/.cache/mlp/datasets}/mnist
images=$data/t10k-images-idx3-ubyte
[[ -f $images ]] || { echo "predict_command: no $images" >&2; exit 1; }

# Debian's interpreter, where python3-torch lives (a python3 earlier on PATH may be another one).
py=/usr/bin/python3
[[ -x $py ]] || py=python3
openblas=/usr/lib/x86_64-linux-gnu/openblas-openmp
torch_env=()
[[ -d $openblas ]] && torch_env+=(LD_LIBRARY_PATH="$openblas")

cpu=$(grep -m1 "model name" /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')
echo "machine: $cpu, $(nproc) cores; REPS=$reps; torch $(env "${torch_env[@]}" "$py" -c 'import torch; print(torch.__version__)')" \
  "(${torch_env[*]:-LD_LIBRARY_PATH as is}); commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"

echo "training the reference model for 1 epoch into a temporary run directory..."
"$build"/mlp train examples/mnist_mlp.toml --set fit.epochs=1 --run-dir "$work/run" >"$work/train.log" 2>&1 ||
  { cat "$work/train.log" >&2; exit 1; }
model=$work/run/model.safetensors

# The first image alone, as an IDX file of 1 image: each side's fixed cost.
"$py" - "$images" "$work/one-idx3-ubyte" <<'EOF'
import struct, sys
raw = open(sys.argv[1], "rb").read()
magic, n, rows, cols = struct.unpack(">IIII", raw[:16])
open(sys.argv[2], "wb").write(struct.pack(">IIII", magic, 1, rows, cols) + raw[16:16 + rows * cols])
EOF

# measure ERRFILE CMD...: runs CMD (stdin and stdout /dev/null, stderr to ERRFILE), prints
# "WALL_SECONDS MAXRSS_KIB"; a failed command is an error.
measure() {
  "$py" -c '
import os, subprocess, sys, time
with open(sys.argv[1], "w") as err:
    t = time.perf_counter()
    p = subprocess.Popen(sys.argv[2:], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err)
    _, status, usage = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t
if status != 0:
    sys.stderr.write(open(sys.argv[1]).read())
    sys.exit(f"predict_command: {sys.argv[2:]} failed (wait status {status})")
print(f"{wall:.6f} {usage.ru_maxrss}")' "$@"
}

# One line per timed run in $work/times: "THREADS INPUT SIDE WALL RSS"; PyTorch's phases (JSON) in
# $work/phases-THREADS-INPUT.
: >"$work/times"
for threads in 2 1; do
  if ((threads == 2)); then mlp_env=(-u OMP_NUM_THREADS); else mlp_env=(OMP_NUM_THREADS=1); fi
  py_env=(OMP_NUM_THREADS="$threads" "${torch_env[@]}")
  for input in 10000 1; do
    if ((input == 1)); then in=$work/one-idx3-ubyte; else in=$images; fi
    mlp_cmd=(env "${mlp_env[@]}" "$build"/mlp predict "$model" "$in" --out "$work/mlp-$threads-$input.csv")
    py_cmd=(env "${py_env[@]}" "$py" bench/pytorch_predict.py "$model" "$in" --out "$work/torch-$threads-$input.csv"
      --threads "$threads" --phases)
    measure "$work/err" "${mlp_cmd[@]}" >/dev/null # warm-up, untimed
    measure "$work/err" "${py_cmd[@]}" >/dev/null
    : >"$work/phases-$threads-$input"
    for ((r = 1; r <= reps; r++)); do
      echo "$threads $input mlp $(measure "$work/err" "${mlp_cmd[@]}")" >>"$work/times"
      echo "$threads $input torch $(measure "$work/err" "${py_cmd[@]}")" >>"$work/times"
      tail -n 1 "$work/err" >>"$work/phases-$threads-$input"
    done
  done
  for ((r = 1; r <= reps; r++)); do
    echo "$threads 0 python $(measure "$work/err" env "${py_env[@]}" "$py" -c pass)" >>"$work/times"
    echo "$threads 0 import $(measure "$work/err" env "${py_env[@]}" "$py" -c 'import torch')" >>"$work/times"
  done
done

# The check and the tables.
"$py" - "$work" "$reps" <<'EOF'
import csv, json, os, statistics, sys

work, reps = sys.argv[1], int(sys.argv[2])
failed = False


def read(path):
    with open(path, newline="") as f:
        text = f.read()
    return text.splitlines(), list(csv.reader(text.splitlines()))


print()
print("Agreement of the CSVs (10,000 images):")
for threads in (2, 1):
    m_lines, m = read(os.path.join(work, f"mlp-{threads}-10000.csv"))
    t_lines, t = read(os.path.join(work, f"torch-{threads}-10000.csv"))
    if m[0] != t[0] or len(m) != len(t) or [r[0] for r in m] != [r[0] for r in t]:
        print(f"  {threads} threads: header, row count or sample column differ: mlp {m[0]} {len(m) - 1} rows,"
              f" PyTorch {t[0]} {len(t) - 1} rows")
        failed = True
        continue
    rows = len(m) - 1
    disagree = sum(a[1] != b[1] for a, b in zip(m[1:], t[1:]))
    same_text = sum(a == b for a, b in zip(m_lines[1:], t_lines[1:]))
    dp = max(abs(float(a[2]) - float(b[2])) for a, b in zip(m[1:], t[1:]))
    ok = disagree <= rows * 0.001
    failed |= not ok
    print(f"  {threads} threads: header {','.join(m[0])}; {disagree} of {rows} predicted classes differ"
          f" ({'ok' if ok else 'FAIL'}, at most {rows // 1000} allowed); {same_text} rows byte-identical;"
          f" largest probability difference {dp:.3g}")

times = {}
with open(os.path.join(work, "times")) as f:
    for line in f:
        threads, n, side, wall, rss = line.split()
        times.setdefault((int(threads), int(n), side), []).append((float(wall), int(rss)))


def stats(key):
    walls = [w for w, _ in times[key]]
    return statistics.median(walls), min(walls), max(walls), max(r for _, r in times[key]) / 1024


print()
print("| threads | images | mlp median s | mlp min | mlp max | PyTorch median s | PyTorch min | PyTorch max"
      " | PyTorch / mlp | mlp peak RSS MiB | PyTorch peak RSS MiB |")
print("|---|---|---|---|---|---|---|---|---|---|---|")
for threads in (2, 1):
    for n in (10000, 1):
        mm, mn, mx, mr = stats((threads, n, "mlp"))
        tm, tn, tx, tr = stats((threads, n, "torch"))
        print(f"| {threads} | {n:,} | {mm:.3f} | {mn:.3f} | {mx:.3f} | {tm:.3f} | {tn:.3f} | {tx:.3f}"
              f" | {tm / mm:.2f} | {mr:.0f} | {tr:.0f} |")

print()
print("PyTorch's side in parts (seconds, medians): `python3 -c pass` and `python3 -c \"import torch\"` as whole"
      " processes; then bench/pytorch_predict.py's own clock from its first statement; outside the script's"
      " clock: the process' median minus the script's total (interpreter start, and its exit with torch loaded)")
print()
print("| threads | images | python3 -c pass | import torch (process) | script: import | load model | read data"
      " | predict | write CSV | script total | outside the script's clock |")
print("|---|---|---|---|---|---|---|---|---|---|---|")
for threads in (2, 1):
    bare = statistics.median(w for w, _ in times[(threads, 0, "python")])
    imp = statistics.median(w for w, _ in times[(threads, 0, "import")])
    for n in (10000, 1):
        with open(os.path.join(work, f"phases-{threads}-{n}")) as f:
            phases = [json.loads(line) for line in f if line.strip()]
        med = {k: statistics.median(p[k] for p in phases) for k in phases[0]}
        outside = stats((threads, n, "torch"))[0] - med["total"]
        print(f"| {threads} | {n:,} | {bare:.3f} | {imp:.3f} | {med['import']:.3f} | {med['load_model']:.3f}"
              f" | {med['read_data']:.3f} | {med['predict']:.3f} | {med['write_csv']:.3f} | {med['total']:.3f}"
              f" | {outside:.3f} |")
sys.exit(1 if failed else 0)
EOF
