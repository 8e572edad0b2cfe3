#!/usr/bin/env bash
# Builds the GPU tests and benchmarks here for sm_90 into build-carry/, with the shared
# libraries a GPU node lacks (see shared GPU-NODE notes: serial HDF5 only there, libyaml and
# jansson not guaranteed) copied into build-carry/lib, so bench/gpu-check.sh can run them
# there with LD_LIBRARY_PATH. Libraries the node has (glibc, CUDA, cuDNN, NCCL, Open MPI,
# OpenBLAS, the compiler runtimes) are left out.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
dir=build-carry
targets=(ddad test_gpu_layers test_gpu_ops test_gpu_models test_gpu_comm test_gpu_conv_gemm bench_gpu_step bench_conv_algos bench_bn_relu bench_bn_stats bench_bn_index bench_bn_cols bench_conv_gemm bench_adam)
# x86-64-v3 (AVX2): the GPU node's CPU is not this machine's, so no -march=native
cmake -S . -B "$dir/cmake" -DCMAKE_BUILD_TYPE=Release -DDDAD_CUDA=ON -DDDAD_CUDA_ARCHS=90 -DDDAD_CPU_ARCH=x86-64-v3 >/dev/null
cmake --build "$dir/cmake" -j "${JOBS:-2}" --target "${targets[@]}"
rm -rf "$dir/bin" "$dir/lib"
mkdir -p "$dir/bin" "$dir/lib"
for t in "${targets[@]}"; do
  f=$(find "$dir/cmake" -name "$t" -type f -perm -u+x | head -1)
  [ -n "$f" ] || { echo "gpu-carry.sh: $t was not built" >&2; exit 1; }
  cp "$f" "$dir/bin/"
done
skip='^(linux-vdso|ld-linux|libc\.|libm\.|libdl\.|librt\.|libpthread\.|libgcc_s|libstdc\+\+|libgomp|libgfortran|libquadmath|libcuda\.|libcublas|libcudnn|libnccl|libmpi|libopen-(rte|pal)|libhwloc|libevent|libudev|libpmix|libz\.|libopenblas|libblas|liblapack)'
for f in "$dir"/bin/*; do
  ldd "$f" | awk '$3 ~ /^\// {print $1, $3}'
done | sort -u | while read -r name path; do
  if ! [[ "$name" =~ $skip ]]; then cp -L "$path" "$dir/lib/$name"; fi
done
echo "carried libraries:"; ls "$dir/lib"
du -sh "$dir/bin" "$dir/lib"
