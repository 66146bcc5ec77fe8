/**
 * A datadriven-style runner for RaftCore (etcd testdata/*.txt, STYLE habit 11): a script of
 * commands drives an in-memory cluster of cores with manual message delivery, and everything
 * that happens is printed, to be compared with a checked-in expectation.
 */
import {
  decodeElectionTimer, decodeMembership, logIndex, MemoryLogStore, nodeId, RaftCore, entryId,
  type ConfChange, type LogEntry, type NodeId, type RaftConfig, type RaftMessage, type Ready,
} from '../../src/raft/index.js';

interface Node {
  id: NodeId;
  store: MemoryLogStore;
  core: RaftCore | undefined;
  config: RaftConfig;
  lastState: string;
  manualSync: boolean;
  /** Readies taken and not yet persisted, oldest first (RaftHost's queue). */
  inFlight: { rd: Ready; durable: boolean }[];
}

const text = new TextDecoder();
const enc = new TextEncoder();

function entryStr(e: LogEntry): string {
  const at = `${e.index}@${e.term}`;
  switch (e.kind) {
    case 'normal': return `${at} ${e.id}=${text.decode(e.data)}`;
    case 'noop': return `${at} noop`;
    case 'config': {
      const m = decodeMembership(e.data);
      return `${at} config v=[${m?.voters.join(' ')}] l=[${m?.learners.join(' ')}]`;
    }
    case 'electionTimer': return `${at} timer=${decodeElectionTimer(e.data)}`;
  }
}

/** One line per message. */
export function messageStr(m: RaftMessage): string {
  const h = `${m.from}->${m.to} ${m.kind} t${m.term}`;
  switch (m.kind) {
    case 'preVote': return `${h} last=${m.lastIndex}@${m.lastTerm}`;
    case 'vote': return `${h} last=${m.lastIndex}@${m.lastTerm}${m.transfer ? ' transfer' : ''}`;
    case 'preVoteReply':
    case 'voteReply': return `${h} ${m.granted ? 'granted' : 'rejected'}`;
    case 'append': return `${h} prev=${m.prevIndex}@${m.prevTerm} commit=${m.commit} [${m.entries.map(entryStr).join(', ')}]`;
    case 'appendReply': return m.success ? `${h} ok ${m.index}` : `${h} reject ${m.index} hint=${m.hintIndex}@${m.hintTerm}`;
    case 'heartbeat': return `${h} commit=${m.commit} seq=${m.seq}`;
    case 'heartbeatReply': return `${h} seq=${m.seq}`;
    case 'snapshot': return `${h} snap=${m.meta.index}@${m.meta.term} bytes=${m.offset}+${m.data.length}/${m.totalBytes}${m.done ? ' done' : ''}`;
    case 'snapshotReply': return `${h} snap=${m.index} offset=${m.offset}${m.done ? ' done' : ''}`;
    case 'timeoutNow': return h;
    case 'readIndex': return `${h} ${m.requestId}`;
    case 'readIndexReply': return `${h} ${m.requestId} ${m.ok ? 'ok' : 'failed'} index=${m.index}`;
    case 'propose': return `${h} ${m.id}${m.prereq !== undefined ? ` prereq=${m.prereq}` : ''}`;
    case 'proposeReply': return `${h} ${m.id} ${m.outcome} index=${m.index}`;
  }
}

/** Runs a transcript; returns the printed output. */
export function runTranscript(script: string): string {
  const out: string[] = [];
  const nodes = new Map<string, Node>();
  let queue: RaftMessage[] = [];
  let groups: string[][] | undefined;
  let nextId = 1;
  let seq = 0;
  const appliedAt = new Map<number, string>();
  const say = (s: string): void => { out.push(`  ${s}`); };

  const node = (name: string | undefined): Node => {
    const n = nodes.get(name ?? '');
    if (n === undefined) throw new Error(`no node ${name}`);
    return n;
  };
  const live = (name: string | undefined): RaftCore => {
    const c = node(name).core;
    if (c === undefined) throw new Error(`node ${name} is down`);
    return c;
  };
  const leader = (): RaftCore => {
    let best: RaftCore | undefined;
    for (const n of nodes.values()) {
      if (n.core?.role === 'leader' && (best === undefined || n.core.term > best.term)) best = n.core;
    }
    if (best === undefined) throw new Error('no leader');
    return best;
  };
  const connected = (a: string, b: string): boolean => {
    if (groups === undefined) return true;
    return groups.some((g) => g.includes(a) && g.includes(b));
  };

  /**
   * Runs one Ready the way RaftHost does: `send` leaves at once, the write starts, committed
   * entries are applied; once the write (and every earlier one) is durable, `persisted` and then
   * `sendAfterPersist` (printed "(after persist)"; the candidate's own vote is stepped back in).
   * Nodes added with sync=manual keep writes pending until `sync N` (and lose them on crash).
   */
  const drainNode = (n: Node, c: RaftCore): void => {
    for (let head = n.inFlight[0]; head?.durable === true && n.core === c; head = n.inFlight[0]) {
      n.inFlight.shift();
      c.persisted(head.rd);
      for (const m of head.rd.sendAfterPersist) {
        if (m.to === n.id) {
          say(`${messageStr(m)} (after persist, own vote)`);
          c.step(m);
        } else {
          say(`${messageStr(m)} (after persist)`);
          queue.push(m);
        }
      }
    }
  };
  const processReady = (n: Node, rd: Ready): void => {
    const c = n.core;
    if (c === undefined) return;
    const w = rd.append.length > 0 ? ` entries ${rd.append[0]?.index}..${rd.append.at(-1)?.index}` : '';
    const hs = rd.hardState !== undefined ? ` hs=t${rd.hardState.term}/v${rd.hardState.vote ?? '-'}/c${rd.hardState.commit}` : '';
    const sn = rd.snapshot !== undefined ? ` snapshot=${rd.snapshot.meta.index}@${rd.snapshot.meta.term}${rd.installSnapshot ? ' install' : ''}` : '';
    for (const m of rd.send) {
      say(messageStr(m));
      queue.push(m);
    }
    c.advance(rd);
    const unit = { rd, durable: false };
    n.inFlight.push(unit);
    if (w === '' && hs === '' && sn === '') {
      unit.durable = true;
      drainNode(n, c);
    } else {
      n.store.write({ entries: rd.append, ...(rd.hardState ? { hardState: rd.hardState } : {}), ...(rd.snapshot ? { snapshot: rd.snapshot } : {}) }, () => {
        if (n.core !== c) return; // crashed meanwhile
        say(`${n.id} persist${hs}${w}${sn}`);
        unit.durable = true;
        drainNode(n, c);
      });
      if (n.manualSync) say(`${n.id} writing${hs}${w}${sn} (not synced)`);
      else n.store.sync();
    }
    if (rd.apply.length > 0) say(`${n.id} apply ${rd.apply.map(entryStr).join(', ')}`);
    for (const e of rd.apply) {
      const prev = appliedAt.get(e.index);
      if (prev !== undefined && prev !== e.id) say(`VIOLATION state machine safety: index ${e.index} applied as ${prev} and as ${e.id}`);
      appliedAt.set(e.index, e.id);
    }
    for (const r of rd.readStates) say(`${n.id} read ${r.requestId} ${r.ok ? 'ok' : 'failed'} index=${r.index}`);
    for (const r of rd.proposalResults) say(`${n.id} proposal ${r.id} ${r.outcome}${r.index !== undefined ? ` index=${r.index}` : ''}`);
  };
  const processAll = (): boolean => {
    let any = false;
    for (let round = 0; round < 100; round++) {
      let did = false;
      for (const n of nodes.values()) {
        if (n.core?.hasReady() === true) {
          processReady(n, n.core.ready());
          did = true;
        }
      }
      if (!did) break;
      any = true;
    }
    return any;
  };
  const deliver = (pred: (m: RaftMessage) => boolean): number => {
    const now = queue.filter(pred);
    queue = queue.filter((m) => !pred(m));
    for (const m of now) {
      const to = nodes.get(m.to);
      if (to?.core === undefined) continue;
      if (!connected(m.from, m.to)) {
        say(`dropped ${messageStr(m)}`);
        continue;
      }
      to.core.step(m);
    }
    processAll();
    return now.length;
  };
  const stateLine = (n: Node): string => {
    const c = n.core;
    if (c === undefined) return `${n.id}: down`;
    const cfg = c.config;
    return `${n.id}: ${c.role} t${c.term} vote=${c.vote ?? '-'} lead=${c.leader ?? '-'} log=${c.firstIndex}..${c.lastIndex} commit=${c.commitIndex} applied=${c.appliedIndex} voters=[${cfg.voters.join(' ')}] learners=[${cfg.learners.join(' ')}] timer=${c.electionTimerMs}`;
  };
  const leaderOfTerm = new Map<number, string>();
  const printStates = (all: boolean): void => {
    for (const n of nodes.values()) {
      if (n.core?.role === 'leader') {
        const prev = leaderOfTerm.get(n.core.term);
        if (prev !== undefined && prev !== n.id && !prev.includes(n.id)) {
          out.push(`  VIOLATION election safety: ${prev} and ${n.id} both leaders in term ${n.core.term}`);
          leaderOfTerm.set(n.core.term, `${prev},${n.id}`);
        } else if (prev === undefined) leaderOfTerm.set(n.core.term, n.id);
      }
      const s = stateLine(n);
      if (all || s !== n.lastState) out.push(`  | ${s}`);
      n.lastState = s;
    }
  };
  const admin = (r: { ok: true } | { ok: false; error: string }): void => {
    say(r.ok ? 'ok' : `error: ${r.error}`);
  };
  const opts = (args: string[]): Map<string, string> => new Map(args.filter((a) => a.includes('=')).map((a) => {
    const [k = '', v = ''] = a.split('=');
    return [k, v];
  }));

  const makeNode = (id: string, o: Map<string, string>, bootstrap: NodeId[] | undefined): Node => {
    const config: RaftConfig = {
      id: nodeId(id), clusterId: 'c1', tickMs: 100, electionTimerMs: 1000, seed: Number(id) * 7919,
      snapshotChunkBytes: Number(o.get('chunk') ?? 8),
      maxInflightMsgs: Number(o.get('inflight') ?? 64),
      maxInflightBytes: Number(o.get('inflightbytes') ?? 0),
      maxMsgBytes: Number(o.get('msgbytes') ?? 65536),
      preVote: o.get('prevote') !== 'false',
      checkQuorum: o.get('checkquorum') !== 'false',
      leaseReads: o.get('lease') === 'true',
      ...(o.get('fault') !== undefined ? { testFaults: { [o.get('fault') ?? '']: true } } : {}),
      ...(bootstrap !== undefined ? { bootstrapVoters: bootstrap } : {}),
    };
    const store = new MemoryLogStore();
    const n: Node = { id: nodeId(id), store, core: new RaftCore(config, store), config, lastState: '', manualSync: o.get('sync') === 'manual', inFlight: [] };
    nodes.set(id, n);
    return n;
  };

  for (const raw of script.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) {
      out.push(raw);
      continue;
    }
    out.push(`> ${line}`);
    const [cmd = '', ...args] = line.split(/\s+/);
    const a0 = args[0];
    const o = opts(args);
    let showAll = false;
    try {
    switch (cmd) {
      case 'add-nodes': {
        const count = Number(a0);
        const ids = Array.from({ length: count }, (_, k) => String(nextId + k));
        nextId += count;
        for (const id of ids) makeNode(id, o, ids.map(nodeId));
        showAll = true;
        break;
      }
      case 'campaign': live(a0).campaign(); break;
      // The transport of node a0 saw the connection from node args[1] reset (RaftHost.peerLost).
      case 'peer-lost': live(a0).peerLost(nodeId(args[1] ?? '')); break;
      case 'tick': {
        const times = Number((args[1] ?? 'x1').slice(1));
        const targets = a0 === 'all' ? [...nodes.values()].filter((n) => n.core !== undefined) : [node(a0)];
        for (let k = 0; k < times; k++) {
          for (const n of targets) n.core?.tick();
          processAll();
        }
        break;
      }
      case 'deliver': {
        const [from, to] = (a0 ?? '').split('->');
        deliver((m) => m.from === from && m.to === to);
        break;
      }
      case 'drop': {
        const [from, to] = (a0 ?? '').split('->');
        const n = queue.length;
        queue = queue.filter((m) => !(m.from === from && (to === '*' || m.to === to)));
        say(`dropped ${n - queue.length}`);
        break;
      }
      case 'deliver-all': deliver(() => true); break;
      case 'stabilize': {
        const syncAll = (): void => {
          for (const n of nodes.values()) if (n.core !== undefined) n.store.sync();
        };
        syncAll();
        processAll();
        for (let round = 0; round < 100 && queue.length > 0; round++) {
          deliver(() => true);
          syncAll();
          processAll();
        }
        break;
      }
      case 'propose': {
        const data = args[1] ?? '';
        const pre = o.get('prereq');
        live(a0).propose({
          id: entryId(o.get('id') ?? data), data: enc.encode(data),
          ...(pre !== undefined ? { prereq: pre === 'null' ? null : entryId(pre) } : {}),
        });
        break;
      }
      case 'partition': {
        groups = line.slice('partition'.length).split('|').map((g) => g.trim().split(/\s+/));
        break;
      }
      case 'heal': groups = undefined; break;
      case 'sync': node(a0).store.sync(); break;
      case 'crash': {
        const n = node(a0);
        n.core = undefined;
        n.inFlight = [];
        n.store.crash();
        // Messages already sent stay in flight; those addressed to it are lost.
        queue = queue.filter((m) => m.to !== a0);
        break;
      }
      case 'restart': {
        const n = node(a0);
        n.core = new RaftCore(n.config, n.store);
        n.inFlight = [];
        break;
      }
      case 'compact': {
        const c = live(a0);
        const idx = Number(args[1]);
        admin(c.compact(logIndex(idx), enc.encode(`state-of-${a0}-through-${idx}`)));
        break;
      }
      case 'transfer': admin(live(a0).transferLeadership(args[1] !== undefined ? nodeId(args[1]) : undefined)); break;
      case 'read-index': live(a0).readIndex(args[1] ?? `r${++seq}`); break;
      case 'add-learner':
      case 'add-voter': {
        const id = a0 ?? '';
        if (!nodes.has(id)) makeNode(id, o, undefined);
        nextId = Math.max(nextId, Number(id) + 1);
        const type = cmd === 'add-learner' ? 'addLearner' : 'addVoter';
        admin(leader().proposeConfChange({ type, node: nodeId(id) } satisfies ConfChange));
        break;
      }
      case 'promote': admin(leader().proposeConfChange({ type: 'promote', node: nodeId(a0 ?? '') })); break;
      case 'remove': admin(leader().proposeConfChange({ type: 'remove', node: nodeId(a0 ?? '') })); break;
      case 'set-election-timer': admin(live(a0).changeElectionTimer(Number(args[1]))); break;
      case 'log': {
        const c = live(a0);
        say(`${a0} log: ${c.entries().map(entryStr).join(', ')}`);
        break;
      }
      case 'status': {
        const st = live(a0).status();
        for (const p of st.progress) {
          say(`${a0} progress ${p.id}: ${p.voter ? 'voter' : 'learner'} match=${p.match} next=${p.next} ${p.state} inflight=${p.inflightMsgs}/${p.inflightBytes}B${p.recentActive ? ' active' : ''}`);
        }
        showAll = true;
        break;
      }
      default:
        throw new Error(`unknown command ${cmd}`);
    }
    processAll();
    } catch (err) {
      if (!(err instanceof Error) || err.name !== 'RaftAssertionError') throw err;
      say(`PANIC ${err.message}`);
    }
    if (queue.length > 0 && cmd !== 'stabilize') say(`(${queue.length} queued)`);
    printStates(showAll);
  }
  return `${out.join('\n')}\n`;
}
