/**
 * Proof of boot: turns the KubeVirt VirtualMachine an import produced into the QEMU command line
 * KubeVirt would run, boots it under TCG with the imported disks, and reads what the guest reports
 * on its serial console. Test tooling, used by the end-to-end tests and the demo.
 */
package io.vmimport.bootcheck;
