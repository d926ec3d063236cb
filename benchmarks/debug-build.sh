#!/usr/bin/env bash
# A user's Debug build against their Release build: benchmarks/ConvNet.DebugBuild (LeNet-5 and the CIFAR net of the
# other benchmarks, with the runtime library built Release as a package consumer has it) is built in both
# configurations, the two executables are run in turn three times each, and one table gives each scenario's median time
# per call in Debug and in Release and their ratio. Not part of .ci/run. Timing wants a quiet machine: the load
# average is printed before and after. Usage: benchmarks/debug-build.sh [OUTPUT_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
out=$(realpath -m "${1:-$(mktemp -d)}")
mkdir -p "$out"

for config in Debug Release; do
  echo "::: build $config" >&2
  dotnet build benchmarks/ConvNet.DebugBuild -c "$config" -o "$out/$config" >"$out/$config.log" 2>&1 ||
    { cat "$out/$config.log" >&2; exit 1; }
done

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
: >"$out/times.tsv"
for round in 1 2 3; do
  for config in Release Debug; do
    dotnet "$out/$config/ConvNet.DebugBuild.dll" | sed "s/^/$config\t/" >>"$out/times.tsv"
  done
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

# Median of the three runs per configuration and scenario, then Debug / Release.
sort -t$'\t' -k2,2 -k1,1 -k3,3g "$out/times.tsv" | awk -F'\t' '
  { key = $2; v[key, $1, ++n[key, $1]] = $3; if (!(key in seen)) { seen[key] = 1; order[++k] = key } }
  END {
    printf "| %-45s | %12s | %12s | %14s |\n", "scenario", "Debug ms", "Release ms", "Debug/Release"
    printf "|%s|%s|%s|%s|\n", "-----------------------------------------------", "-------------:", "-------------:", "---------------:"
    for (i = 1; i <= k; i++) {
      s = order[i]; d = v[s, "Debug", 2]; r = v[s, "Release", 2]
      printf "| %-45s | %12.4f | %12.4f | %13.2fx |\n", s, d, r, d / r
    }
  }'
