/**
 * Finding the real Open vSwitch and OVN binaries. A test that needs them calls `requireOvs()`:
 * it returns false (so the test may skip) on a machine without them, unless REQUIRE_OVS=1, under
 * which their absence is a failure, as in CI.
 */
import { execFileSync } from 'node:child_process';

export function hasBinary(name: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export const ovsRequired = process.env['REQUIRE_OVS'] === '1';

/** True if every named binary is present; throws under REQUIRE_OVS=1 if one is missing. */
export function requireOvs(...names: string[]): boolean {
  const missing = names.filter((n) => !hasBinary(n));
  if (missing.length === 0) return true;
  if (ovsRequired) throw new Error(`REQUIRE_OVS=1 but ${missing.join(', ')} not found; apt-get install openvswitch-common openvswitch-switch ovn-central ovn-common python3-openvswitch`);
  return false;
}

/** The Python that imports Debian's python3-openvswitch (not the first python3 on PATH). */
export const debianPython = '/usr/bin/python3';
