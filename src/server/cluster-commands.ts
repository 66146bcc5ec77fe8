/**
 * The cluster/* control-socket commands of ovsdb-server(1) "CLUSTER COMMANDS", with OVS 3.1's
 * output layout and reply strings, for every clustered database the server hosts.
 */
import type { ClusteredHost } from './cluster-host.js';
import type { CommandRegistry } from './ports.js';
import type { OvsdbServer } from './server.js';

function clustered(server: OvsdbServer, name: string): ClusteredHost {
  const db = server.database(name);
  if (db === undefined || db.status().model !== 'clustered') throw new Error(`${name}: no database by that name`);
  return db as ClusteredHost;
}

/** OVS prints a server id as its first four hex digits. */
function short(id: string): string {
  return id.slice(0, 4);
}

/** `cluster/status DB` in the layout of OVS 3.1 (raft.c raft_unixctl_status). */
export function clusterStatus(host: ClusteredHost): string {
  const meta = host.meta;
  const lines: string[] = [short(meta.sid), `Name: ${meta.name}`];
  lines.push(meta.cid === null ? 'Cluster ID: not yet known' : `Cluster ID: ${short(meta.cid)} (${meta.cid})`);
  lines.push(`Server ID: ${short(meta.sid)} (${meta.sid})`, `Address: ${meta.local}`);
  const raft = host.raft;
  if (raft === undefined) {
    lines.push('Status: joining cluster', `Remotes for joining: ${meta.remotes.join(' ')}`);
    return `${lines.join('\n')}\n`;
  }
  const st = raft.core.status();
  const member = raft.core.isMember;
  lines.push(`Status: ${host.left ? 'left cluster' : meta.remotes.length > 0 && !raft.core.isVoter ? 'joining cluster' : member ? 'cluster member' : 'left cluster'}`);
  if (meta.remotes.length > 0 && !raft.core.isVoter) lines.push(`Remotes for joining: ${meta.remotes.join(' ')}`);
  const role = st.role === 'preCandidate' ? 'candidate' : st.role;
  lines.push(`Role: ${role}`, `Term: ${st.term}`);
  lines.push(`Leader: ${st.leader === null ? 'unknown' : st.leader === meta.sid ? 'self' : short(st.leader)}`);
  lines.push(`Vote: ${st.vote === null ? 'unknown' : st.vote === meta.sid ? 'self' : short(st.vote)}`);
  lines.push('');
  lines.push(`Election timer: ${st.electionTimerMs}`);
  lines.push(`Log: [${st.firstIndex}, ${st.lastIndex + 1}]`);
  lines.push(`Entries not yet committed: ${st.lastIndex - st.commitIndex}`);
  lines.push(`Entries not yet applied: ${st.lastIndex - host.appliedIndex}`);
  const peers = [...st.config.voters, ...st.config.learners].filter((id) => id !== meta.sid);
  lines.push(`Connections: ${peers.map((p) => `->${short(p)} <-${short(p)}`).join(' ')}`);
  lines.push('Servers:');
  const progress = new Map(st.progress.map((p) => [p.id as string, p]));
  for (const id of [...st.config.voters, ...st.config.learners]) {
    const address = st.config.addresses?.[id] ?? '?';
    let line = `    ${short(id)} (${short(id)} at ${address})`;
    if (id === meta.sid) line += ' (self)';
    if (st.config.learners.includes(id)) line += ' (learner)';
    const pr = progress.get(id);
    if (pr !== undefined) line += ` next_index=${pr.next} match_index=${pr.match}`;
    else if (id === meta.sid && st.role === 'leader') line += ` next_index=${st.lastIndex + 1} match_index=${st.lastIndex}`;
    lines.push(line);
  }
  return `${lines.join('\n')}\n`;
}

/** Registers cluster/status, cid, sid, leave, kick, change-election-timer, transfer-leadership. */
export function registerClusterCommands(registry: CommandRegistry, server: OvsdbServer): void {
  const one = { minArgs: 1, maxArgs: 1, usage: 'DB' };
  registry.register('cluster/status', one, ([db]) => clusterStatus(clustered(server, db ?? '')));
  registry.register('cluster/cid', one, ([db]) => {
    const cid = clustered(server, db ?? '').meta.cid;
    if (cid === null) throw new Error(`${db ?? ''}: cluster ID not yet known`);
    return `${cid}\n`;
  });
  registry.register('cluster/sid', one, ([db]) => `${clustered(server, db ?? '').meta.sid}\n`);
  registry.register('cluster/leave', one, ([db]) => {
    const err = clustered(server, db ?? '').leave();
    if (err !== undefined) throw new Error(err);
    return '';
  });
  registry.register('cluster/kick', { minArgs: 2, maxArgs: 2, usage: 'DB SERVER' }, ([db, who]) => {
    const host = clustered(server, db ?? '');
    const raft = host.raft;
    const target = who ?? '';
    const config = raft?.core.config;
    const all = config === undefined ? [] : [...config.voters, ...config.learners];
    // SERVER is a server id (or a unique prefix of one) or an address, as in OVS.
    const matches = all.filter((id) => id.startsWith(target) || config?.addresses?.[id] === target);
    if (matches.length !== 1) throw new Error(`${target}: ${matches.length === 0 ? 'unknown server' : 'ambiguous server ID'}`);
    const sid = matches[0] ?? '';
    const err = host.kick(sid);
    if (err !== undefined) throw new Error(err);
    return `sent removal request to leader\n`;
  });
  registry.register('cluster/change-election-timer', { minArgs: 2, maxArgs: 2, usage: 'DB TIME' }, ([db, time]) => {
    const host = clustered(server, db ?? '');
    const ms = Number(time);
    const raft = host.raft;
    if (raft === undefined) throw new Error('election timer must be changed through leader.');
    const r = raft.changeElectionTimer(Number.isSafeInteger(ms) ? ms : -1);
    if (!r.ok) throw new Error(r.error);
    return `change of election timer initiated.\n`;
  });
  registry.register('cluster/transfer-leadership', { minArgs: 1, maxArgs: 2, usage: 'DB [SERVER]' }, ([db, who]) => {
    const host = clustered(server, db ?? '');
    const raft = host.raft;
    if (raft === undefined || raft.core.role !== 'leader') throw new Error('cannot transfer leadership: not the leader');
    const config = raft.core.config;
    let to: string | undefined;
    if (who !== undefined) {
      const matches = config.voters.filter((id) => id.startsWith(who) || config.addresses?.[id] === who);
      if (matches.length !== 1) throw new Error(`${who}: unknown server`);
      to = matches[0];
    }
    const r = to === undefined ? raft.transferLeadership() : raft.transferLeadership(to as typeof config.voters[number]);
    if (!r.ok) throw new Error(r.error);
    return '';
  });
}
