#!/usr/bin/env bash
# The NativeAOT check, and the JIT/NativeAOT comparison of benchmarks/ConvNet.Benchmarks/README.md. Not part of .ci/run:
# it needs the AOT toolchain (clang and lld: `apt-get install clang lld` on Debian/Ubuntu; the ILCompiler packages come
# from NuGet on their own). It publishes samples/Classify and benchmarks/ConvNet.Latency with NativeAOT, fails if the
# publish prints any warning or the executables print anything on stderr, and prints one table:
#   executable size, time from process start to first result (best and median of 11 processes, and CPU time), and
#   steady batch-1 latency (best and median of 21 rounds, and CPU time per call).
# Usage: benchmarks/aot-check.sh [OUTPUT_DIR]; TIME_ONLY=1 benchmarks/aot-check.sh OUTPUT_DIR times an earlier run's
# executables again. Timing wants a quiet machine: the load average is printed before and after.
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
out=$(realpath -m "${1:-$(mktemp -d)}")
mkdir -p "$out"

for tool in clang ld.lld; do
  command -v "$tool" >/dev/null || { echo "NativeAOT needs $tool: apt-get install clang lld" >&2; exit 1; }
done

# Publishes $1 into $out/$2 with the remaining arguments; any warning (other than NuGet's NU1603 about a dependency's
# version) fails the check.
publish() {
  local project=$1 name=$2
  shift 2
  echo "::: publish $project -> $name $*" >&2
  dotnet publish "$project" -c Release -r linux-x64 -o "$out/$name" "$@" >"$out/$name.log" 2>&1 ||
    { cat "$out/$name.log" >&2; exit 1; }
  if grep -E 'warning [A-Z]+[0-9]+' "$out/$name.log" | grep -v NU1603 >&2; then
    echo "publish $name printed warnings" >&2
    exit 1
  fi
}

# Runs a command that must succeed with nothing on stderr.
clean_run() {
  local err
  err=$("$@" 2>&1 >/dev/null) || { echo "$* failed: $err" >&2; exit 1; }
  [ -z "$err" ] || { echo "$* printed on stderr: $err" >&2; exit 1; }
}

# Time from process start to exit for a program that exits after its first result: the best and the median wall
# time of 11 runs, and the median CPU time (user + system), in ms. One run first, not counted, so the files are in the
# page cache. The best run is the least disturbed by other processes; CPU time hardly depends on them.
first_ms() {
  clean_run "$@"
  local TIMEFORMAT='%R %U %S' runs
  runs=$(for _ in $(seq 11); do { time "$@" >/dev/null 2>&1; } 2>&1; done)
  local wall cpu
  wall=$(awk '{ print $1 * 1000 }' <<<"$runs" | sort -n)
  cpu=$(awk '{ print ($2 + $3) * 1000 }' <<<"$runs" | sort -n | sed -n 6p)
  printf '%.0f / %.0f ms (CPU %.0f ms)' "$(sed -n 1p <<<"$wall")" "$(sed -n 6p <<<"$wall")" "$cpu"
}

# Best round / median round per call, and CPU time per call, in µs.
steady() {
  clean_run "$@"
  "$@" | sed -E 's/.*: ([0-9.]+) us per Forward \(median\), ([0-9.]+) us \(best round\), ([0-9.]+) us CPU.*/\2 \/ \1 µs (CPU \3 µs)/'
}
bits() { "$@" | sed -E 's/.*vectors used: ([0-9]+) bits.*/\1/'; }
size() { du -sb "$@" | awk '{ s += $1 } END { printf "%.1f MB", s / 1e6 }'; }

echo "load before: $(uptime)" >&2
# TIME_ONLY=1 times what an earlier run published to the same OUTPUT_DIR (to wait for a quiet machine in between).
if [ "${TIME_ONLY:-0}" != 1 ]; then
  publish samples/Classify classify-jit --self-contained false
  publish samples/Classify classify-aot -p:PublishAot=true
  publish benchmarks/ConvNet.Latency latency-jit --self-contained false
  publish benchmarks/ConvNet.Latency latency-aot -p:PublishAot=true
  publish benchmarks/ConvNet.Latency latency-aot-native -p:PublishAot=true -p:IlcInstructionSet=native
fi

"$out/latency-jit/ConvNet.Latency" fixture "$out/fixture"
classify=(--weights "$out/fixture/lenet.safetensors" "$out/fixture/digit-idx3-ubyte")
jit="$out/latency-jit/ConvNet.Latency" aot="$out/latency-aot/ConvNet.Latency" native="$out/latency-aot-native/ConvNet.Latency"

echo "timing (load $(cut -d' ' -f1-3 /proc/loadavg))" >&2
cat <<TABLE
| | JIT (framework-dependent) | NativeAOT (default instruction set) | NativeAOT (IlcInstructionSet=native) |
|---|--:|--:|--:|
| Classify: files to ship | $(size "$out"/classify-jit/*.dll "$out"/classify-jit/Classify "$out"/classify-jit/*.json) + .NET runtime | $(size "$out/classify-aot/Classify") (one file) | |
| Classify: start to first result (one digit) | $(first_ms "$out/classify-jit/Classify" "${classify[@]}") | $(first_ms "$out/classify-aot/Classify" "${classify[@]}") | |
| latency program: executable | $(size "$out"/latency-jit/*.dll "$out"/latency-jit/ConvNet.Latency "$out"/latency-jit/*.json) + .NET runtime | $(size "$aot") | $(size "$native") |
| LeNet-5: start to first result | $(first_ms "$jit" first lenet) | $(first_ms "$aot" first lenet) | $(first_ms "$native" first lenet) |
| CIFAR net: start to first result | $(first_ms "$jit" first cifar) | $(first_ms "$aot" first cifar) | $(first_ms "$native" first cifar) |
| LeNet-5: steady batch 1, 1 thread | $(steady "$jit" steady lenet) | $(steady "$aot" steady lenet) | $(steady "$native" steady lenet) |
| CIFAR net: steady batch 1, 1 thread | $(steady "$jit" steady cifar) | $(steady "$aot" steady cifar) | $(steady "$native" steady cifar) |
| vector width the kernels use | $(bits "$jit" first lenet) bits | $(bits "$aot" first lenet) bits | $(bits "$native" first lenet) bits |
TABLE
echo "load after: $(uptime)" >&2
echo "published to $out" >&2
