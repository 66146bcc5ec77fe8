/**
 * Membership changes one server at a time (thesis §4.1): every change adds or removes exactly one
 * voter, so any majority of the old configuration overlaps any majority of the new one, and a
 * configuration takes effect as soon as its entry is in a server's log.
 */
import type { AdminResult, ConfChange, Membership, NodeId } from './types.js';

export function isVoter(m: Membership, id: NodeId): boolean {
  return m.voters.includes(id);
}

export function isLearner(m: Membership, id: NodeId): boolean {
  return m.learners.includes(id);
}

export function isMember(m: Membership, id: NodeId): boolean {
  return isVoter(m, id) || isLearner(m, id);
}

/** Every member but `self`, voters first, in a stable order. */
export function peersOf(m: Membership, self: NodeId): NodeId[] {
  return [...m.voters, ...m.learners].filter((id) => id !== self);
}

/**
 * The membership after `cc`, or an error. `caughtUp` tells whether a learner has the log (the
 * catch-up phase of §4.2.1 before it may vote, so adding it does not stall commitment).
 */
export function applyConfChange(
  m: Membership, cc: ConfChange, caughtUp: (id: NodeId) => boolean,
): { ok: true; next: Membership } | (AdminResult & { ok: false }) {
  const node = cc.node;
  switch (cc.type) {
    case 'addLearner':
    case 'addVoter': {
      if (isMember(m, node)) return { ok: false, error: `${node} is already a member` };
      const addresses = cc.address !== undefined ? { ...m.addresses, [node]: cc.address } : m.addresses;
      return { ok: true, next: withAddresses({ voters: m.voters, learners: [...m.learners, node] }, addresses) };
    }
    case 'promote':
      if (!isLearner(m, node)) return { ok: false, error: `${node} is not a learner` };
      if (!caughtUp(node)) return { ok: false, error: `${node} has not caught up` };
      return {
        ok: true,
        next: withAddresses({ voters: [...m.voters, node], learners: m.learners.filter((x) => x !== node) }, m.addresses),
      };
    case 'remove':
      if (!isMember(m, node)) return { ok: false, error: `${node} is not a member` };
      if (isVoter(m, node) && m.voters.length === 1) return { ok: false, error: 'cannot remove the last voter' };
      return {
        ok: true,
        next: withAddresses(
          { voters: m.voters.filter((x) => x !== node), learners: m.learners.filter((x) => x !== node) },
          m.addresses === undefined ? undefined : Object.fromEntries(Object.entries(m.addresses).filter(([k]) => k !== node)),
        ),
      };
  }
}

/** `m` with its address book (omitted when there is none, so configs without addresses stay as they were). */
export function withAddresses(m: Membership, addresses: Readonly<Record<string, string>> | undefined): Membership {
  return addresses === undefined || Object.keys(addresses).length === 0 ? { voters: m.voters, learners: m.learners } : { voters: m.voters, learners: m.learners, addresses };
}
