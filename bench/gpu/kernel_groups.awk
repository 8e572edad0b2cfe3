#!/usr/bin/awk -f
# Sums a one-step kernel listing (time in µs, grid, block, kernel name per line; '#' lines
# are comments), such as bench/gpu/runs/2026-11-28-h200/profile_ae_train_tf32_one_step.txt,
# into the groups of docs/GPU.md's "Where the AE step's time goes" table.
# Usage: awk -f bench/gpu/kernel_groups.awk LISTING | sort -k2 -nr
!/^#/ && NF >= 4 {
    name = $0
    sub(/^ *[0-9.]+ +\([^)]*\) +\([^)]*\) +/, "", name)
    g = "other"
    sub(/^void /, "", name)   # templates are listed with their return type
    if (name ~ /^k_bn_/) g = "batchnorm"
    else if (name ~ /^k_im2col|^k_col2im|^k_sum_batches/) g = "gemm_conv"   # the GEMM engine's own kernels
    else if (name ~ /implicit_convolve_sgemm/) g = "legacy_conv"
    else if (name ~ /nchwToNhwc|nhwcToNchw|tensorTransform/) g = "transpose"
    else if (name ~ /dgrad|wgrad|ImplicitGemmConvolution|ReduceSplitK/) g = "tc_conv"
    else if (name ~ /gemm|splitKreduce/) g = "cublas"
    t[g] += $1; c[g]++; total += $1
}
END {
    for (g in t) printf "%-12s %7.1f us %5.1f%% %3d kernels\n", g, t[g], 100 * t[g] / total, c[g]
}
