/**
 * A packet simulator between simulated nodes (TigerBeetle's packet_simulator in spirit). Every
 * fault is drawn from the seeded PRNG: delay, loss, duplication, reordering, and partitions that
 * may be asymmetric (a→b blocked while b→a flows). Partitions are checked at delivery time, so a
 * partition also eats packets already in flight, as a cut cable would.
 */
import type { Prng } from '../../src/base/prng.js';

/** Fault knobs for the network; the swarm picks them from the seed. */
export interface NetworkOptions {
  readonly delayTicksMin: number;
  readonly delayTicksMax: number;
  /** Probability a packet is dropped. */
  readonly lossProbability: number;
  /** Probability a packet is delivered twice (the copy with its own delay). */
  readonly duplicateProbability: number;
  /** When false, each directed link is FIFO; when true packets overtake each other freely. */
  readonly reorder: boolean;
  /** Upper bound on packets in flight; beyond it new packets are dropped (a full buffer). */
  readonly capacityPackets: number;
}

/** How the cluster partitions the network when it decides to (picked by the swarm). */
export type PartitionMode =
  | 'none'
  /** Cut one node off from everyone, both ways. */
  | 'isolate-one'
  /** Split the nodes in two random halves. */
  | 'split'
  /** Block one direction only between random pairs. */
  | 'asymmetric'
  /** Block each directed link independently with probability 1/3. */
  | 'random-links';

/** One packet on the wire. */
export interface Packet<M> {
  readonly from: string;
  readonly to: string;
  readonly msg: M;
  readonly deliverTick: number;
  /** Send order, for deterministic tie breaks. */
  readonly seq: number;
}

/** Counters for the run summary. */
export interface NetworkStats {
  sent: number;
  delivered: number;
  lost: number;
  duplicated: number;
  blocked: number;
}

/** The simulated network carrying messages of type `M` between string-named nodes. */
export class SimNetwork<M> {
  #buckets = new Map<number, Packet<M>[]>();
  #inFlight = 0;
  #seq = 0;
  /** Last delivery tick per directed link, for FIFO links. */
  #linkTail = new Map<string, number>();
  #blocked = new Set<string>();
  readonly stats: NetworkStats = { sent: 0, delivered: 0, lost: 0, duplicated: 0, blocked: 0 };
  /** Scripted scenarios only: a packet for which this returns true is dropped at send. */
  dropFilter: ((from: string, to: string, msg: M) => boolean) | undefined;
  #lossProbability: number;
  #duplicateProbability: number;

  constructor(
    readonly options: NetworkOptions,
    private readonly prng: Prng,
  ) {
    if (options.delayTicksMin < 1 || options.delayTicksMax < options.delayTicksMin) throw new Error('bad delay range');
    this.#lossProbability = options.lossProbability;
    this.#duplicateProbability = options.duplicateProbability;
  }

  /** Packets currently in flight. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** Queues `msg` from `from` to `to` at tick `now`, subject to loss and duplication. */
  send(now: number, from: string, to: string, msg: M): void {
    this.stats.sent += 1;
    if (this.dropFilter?.(from, to, msg) === true) {
      this.stats.lost += 1;
      return;
    }
    if (this.prng.chance(this.#lossProbability)) {
      this.stats.lost += 1;
      return;
    }
    this.#enqueue(now, from, to, msg);
    if (this.prng.chance(this.#duplicateProbability)) {
      this.stats.duplicated += 1;
      this.#enqueue(now, from, to, msg);
    }
  }

  #enqueue(now: number, from: string, to: string, msg: M): void {
    if (this.#inFlight >= this.options.capacityPackets) {
      this.stats.lost += 1;
      return;
    }
    let deliverTick = now + this.prng.int(this.options.delayTicksMin, this.options.delayTicksMax);
    const link = `${from}>${to}`;
    if (!this.options.reorder) {
      deliverTick = Math.max(deliverTick, this.#linkTail.get(link) ?? 0);
      this.#linkTail.set(link, deliverTick);
    }
    const packet: Packet<M> = { from, to, msg, deliverTick, seq: this.#seq++ };
    let bucket = this.#buckets.get(deliverTick);
    if (bucket === undefined) {
      bucket = [];
      this.#buckets.set(deliverTick, bucket);
    }
    bucket.push(packet);
    this.#inFlight += 1;
  }

  /**
   * Removes and returns the packets due at tick `now` that the partition lets through, in send
   * order. Packets on a blocked link are dropped.
   */
  deliver(now: number): Packet<M>[] {
    const bucket = this.#buckets.get(now);
    if (bucket === undefined) return [];
    this.#buckets.delete(now);
    this.#inFlight -= bucket.length;
    const out: Packet<M>[] = [];
    for (const p of bucket) {
      if (this.#blocked.has(`${p.from}>${p.to}`)) {
        this.stats.blocked += 1;
        continue;
      }
      out.push(p);
    }
    this.stats.delivered += out.length;
    return out;
  }

  /** Stops loss and duplication (delay and reordering stay): the liveness phase's network. */
  calm(): void {
    this.#lossProbability = 0;
    this.#duplicateProbability = 0;
  }

  /** True if packets from `from` to `to` are currently dropped. */
  isBlocked(from: string, to: string): boolean {
    return this.#blocked.has(`${from}>${to}`);
  }

  /** Blocks the directed link from → to. */
  block(from: string, to: string): void {
    this.#blocked.add(`${from}>${to}`);
  }

  /** Removes every partition. */
  heal(): void {
    this.#blocked.clear();
  }

  /** Blocks both directions between every node of `a` and every node of `b`. */
  split(a: readonly string[], b: readonly string[]): void {
    for (const x of a) {
      for (const y of b) {
        this.block(x, y);
        this.block(y, x);
      }
    }
  }

  /** Replaces the current partition with a fresh one of the given mode over `nodes`. */
  partition(mode: PartitionMode, nodes: readonly string[]): void {
    this.heal();
    if (nodes.length < 2) return;
    switch (mode) {
      case 'none':
        return;
      case 'isolate-one': {
        const victim = this.prng.pick(nodes);
        this.split([victim], nodes.filter((n) => n !== victim));
        return;
      }
      case 'split': {
        const a: string[] = [];
        const b: string[] = [];
        for (const n of nodes) (this.prng.chance(0.5) ? a : b).push(n);
        this.split(a, b);
        return;
      }
      case 'asymmetric': {
        const pairs = this.prng.int(1, nodes.length);
        for (let i = 0; i < pairs; i++) {
          const from = this.prng.pick(nodes);
          const to = this.prng.pick(nodes);
          if (from !== to) this.block(from, to);
        }
        return;
      }
      case 'random-links':
        for (const from of nodes) {
          for (const to of nodes) if (from !== to && this.prng.chance(1 / 3)) this.block(from, to);
        }
        return;
    }
  }

  /** A short text form of the blocked links, for traces. */
  describePartition(): string {
    return [...this.#blocked].sort().join(',');
  }
}
