#!/usr/bin/env bash
# The test Slurm itself: srun --mpi=pmix starts wired MPI ranks, sbatch runs a 6-task MPI
# job to completion, and a request larger than the node is refused at submission.
#   test_harness.sh MPI_HELLO_EXE
. "$(dirname "$0")/lib.sh"
hello="$1"

note "srun --mpi=pmix -n 2 hostname"
out="$(timeout 30 srun --mpi=pmix -n 2 hostname)" || fail "srun hostname failed"
[ "$(echo "$out" | wc -l)" = 2 ] || fail "expected 2 lines from 2 tasks, got: $out"

note "srun --mpi=pmix -n 2 mpi_hello"
out="$(timeout 30 srun --mpi=pmix -n 2 "$hello")" || fail "srun mpi_hello failed: $out"
echo "$out"
for r in 0 1; do
  echo "$out" | grep -q "hello from rank $r of 2, rank sum 1" || fail "rank $r of 2 missing or not wired: $out"
done

note "sbatch: 6 MPI tasks through srun, and through mpirun inside the allocation"
cat >job.sh <<JOB
#!/bin/bash
#SBATCH --ntasks=6
#SBATCH --time=2
srun --mpi=pmix "$hello"
mpirun -np \$SLURM_NTASKS "$hello"
JOB
id="$(submit --output=job-%j.out job.sh)"
st="$(wait_state "$id" 60)"
show_file "job-$id.out"
[ "$st" = COMPLETED ] || fail "job $id ended $st"
[ "$(grep -c 'of 6, rank sum 15' "job-$id.out")" = 12 ] || fail "expected 12 wired ranks (6 via srun, 6 via mpirun)"

note "a request larger than the node fails at submission (EnforcePartLimits=ALL)"
if out="$(sbatch --parsable --ntasks=64 --wrap=true 2>&1)"; then
  scancel "${out%%;*}" 2>/dev/null || true
  fail "a 64-task job on an 8-CPU node was accepted ($out) instead of refused"
fi
echo "refused as expected: $out"
echo "PASS"
