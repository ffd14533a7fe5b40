#!/usr/bin/env bash
# Compiles and lints the Bicep under infra/ and fails on any warning or error.
#
# The Bicep CLI comes from the Azure.Bicep.CommandLine NuGet package (restored into a throwaway
# project) so this works wherever the .NET SDK works, with no az CLI and no registry access.
# `bicep lint` exits 0 on warnings and `bicep lint main.bicep` does not report diagnostics from
# modules, so every .bicep file is linted on its own and the output is scanned.
#
# Usage: infra/scripts/bicep-check.sh        (BICEP=/path/to/bicep to use another binary)
set -euo pipefail

BICEP_VERSION="0.49.2"
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
infra_dir="${repo_root}/infra"
packages_dir="${NUGET_PACKAGES:-${HOME}/.nuget/packages}"
bicep="${BICEP:-${packages_dir}/azure.bicep.commandline.linux-x64/${BICEP_VERSION}/tools/bicep}"

if [[ ! -f "${bicep}" ]]; then
  echo "Restoring Bicep CLI ${BICEP_VERSION} from NuGet..."
  restore_dir="$(mktemp -d)"
  (
    cd "${restore_dir}"
    dotnet new console --force >/dev/null
    dotnet add package Azure.Bicep.CommandLine.linux-x64 --version "${BICEP_VERSION}" >/dev/null
  )
  rm -rf "${restore_dir}"
fi
chmod +x "${bicep}"
"${bicep}" --version

out_dir="$(mktemp -d)"
log="$(mktemp)"
trap 'rm -rf "${out_dir}" "${log}"' EXIT

status=0
run() {
  echo "+ $*"
  # Diagnostics go to stderr; keep both streams for the scan below.
  if ! "$@" >>"${log}" 2>&1; then
    status=1
  fi
}

# The build writes main.json to a temp dir: generated ARM JSON is never committed.
run "${bicep}" build "${infra_dir}/main.bicep" --outdir "${out_dir}"
while IFS= read -r -d '' file; do
  run "${bicep}" lint "${file}"
done < <(find "${infra_dir}" -name '*.bicep' -print0 | sort -z)

cat "${log}"
diagnostics="$(grep -cE ' : (Warning|Error) ' "${log}" || true)"
echo "Bicep diagnostics (warnings + errors): ${diagnostics}"

if [[ "${status}" -ne 0 || "${diagnostics}" -ne 0 ]]; then
  echo "Bicep check failed." >&2
  exit 1
fi
echo "Bicep check passed."
