#!/usr/bin/env bash
# The fan-out benchmark of the operator's diskWork setting: N imports from vcsim (each VM one disk of
# 256 MiB with 96 MiB of random data) with the disk work in the operator's process, then in worker
# Jobs run by the operator tests' kubelet as processes of the built jar, for N = 1 and N = 4.
# Prints wall time and the operator process's peak RSS for each, and fails when the operator's
# peak RSS in jobs mode grows by a quarter or more from N = 1 to N = 4.
# The cores of this machine run the operator, the workers, vcsim and the consumer at once: the
# times compare the two modes here, not what the nodes of a cluster would do.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/install-test-deps.sh"
cd "$root"
mvn -B -ntp verify -pl operator-app -am -Dtest=NONE -Dit.test=FanOutBench \
  -Dsurefire.failIfNoSpecifiedTests=false -Dfailsafe.failIfNoSpecifiedTests=false \
  -Dspotless.check.skip=true 2>&1 | tee /tmp/vmimport-fanout.log | grep -E '^fan-out|BUILD|FAIL' || true
grep -q 'BUILD SUCCESS' /tmp/vmimport-fanout.log
