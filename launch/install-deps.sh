#!/usr/bin/env bash
# Installs the Debian packages ddad needs, when they are missing (Debian 12 and later).
#   launch/install-deps.sh            build and run: compiler, CMake, MPI, HDF5, libyaml, ...
#   launch/install-deps.sh --tests    also what the tests use (PyTorch, Pillow, h5py, ...)
#   launch/install-deps.sh --slurm    also a single-node Slurm for the cluster tests
#   launch/install-deps.sh --fuzz     also clang and libFuzzer for the fuzz build (docs/BUILDING.md)
# On a cluster, load modules instead (docs/BUILDING.md) and skip this script.
set -euo pipefail

want_tests=0
want_slurm=0
want_fuzz=0
for a in "$@"; do
  case "$a" in
    --tests) want_tests=1 ;;
    --slurm) want_slurm=1 ;;
    --fuzz) want_fuzz=1 ;;
    -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
    *) echo "install-deps.sh: unknown option '$a'" >&2; exit 2 ;;
  esac
done

pkgs=(build-essential cmake pkg-config git
      openmpi-bin libopenmpi-dev
      libhdf5-openmpi-dev hdf5-tools
      libyaml-dev libjansson-dev libopenblas-dev libpng-dev libjpeg-dev
      python3 python3-numpy python3-h5py python3-matplotlib)
if [ "$want_tests" = 1 ]; then
  pkgs+=(python3-torch python3-pil python3-sklearn python3-yaml)
  pkgs+=(util-linux mount)   # unshare, mount: the full-disk tests' private tmpfs (tests/faults)
fi
if [ "$want_slurm" = 1 ]; then
  pkgs+=(slurmctld slurmd slurm-client munge)
fi
if [ "$want_fuzz" = 1 ]; then
  pkgs+=(clang-14 libclang-rt-14-dev)
fi

missing=()
for p in "${pkgs[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ "${#missing[@]}" -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-deps.sh: missing packages: ${missing[*]}" >&2
  echo "This is not a Debian system: install them with your package manager or load modules (docs/BUILDING.md)." >&2
  exit 1
fi
SUDO=""
if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "install-deps.sh: missing packages: ${missing[*]}; run as root or install sudo" >&2
    exit 1
  fi
fi
echo "install-deps.sh: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
