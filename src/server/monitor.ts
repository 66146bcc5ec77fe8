/**
 * One monitor of one session (RFC 7047 §4.1.5 `monitor`; ovsdb-server(7) `monitor_cond`,
 * `monitor_cond_since`, `monitor_cond_change`): turns committed row changes into the
 * <table-updates> (v1) or <table-updates2> (v2, v3) the client is owed.
 *
 * Work per commit is proportional to the rows the commit changed times the monitors that watch
 * the changed tables, never to the database size. Only the initial dump and a condition change
 * scan a table.
 *
 * @example
 * const m = new Monitor('m1', 2, parseMonitorRequests(schema, {A: [{columns: ['n']}]}, 2));
 * const initial = m.initial((t) => db.rows(t));   // {"A": {"<uuid>": {"initial": {...}}}}
 * const update = m.update(changes);               // undefined when nothing it watches changed
 */
import type { Json } from '../base/json.js';
import type { Uuid } from '../base/uuid.js';
import { compileCondition, type Condition } from '../ovsdb/condition.js';
import type { Row, RowChange, RowChanges } from '../ovsdb/types.js';
import type { MonitorVersion, TableMonitorSpec } from './monitor-request.js';
import { changedColumns, rowJsonAll, rowJsonDiff, rowJsonNonDefault } from './row-update.js';

type RowUpdates = { [uuid: string]: Json };
/** <table-updates> or <table-updates2>. */
export type TableUpdates = { [table: string]: RowUpdates };

function matches(cond: Condition | undefined, row: Row): boolean {
  // Compiled once per condition (cached), as this runs per changed row per monitor.
  return cond === undefined || compileCondition(cond, 'any')(row);
}

export class Monitor {
  #tables: Map<string, TableMonitorSpec>;
  /**
   * Monitors with equal keys watch exactly the same thing, so one commit's update is computed
   * once for all of them (the fan-out to many IDLs with the same request). undefined: unique.
   */
  specKey: string | undefined;

  constructor(
    /** The client's <json-value> naming this monitor (may change on monitor_cond_change). */
    public id: Json,
    readonly version: MonitorVersion,
    tables: Map<string, TableMonitorSpec>,
    specKey?: string,
  ) {
    this.#tables = tables;
    this.specKey = specKey;
  }

  /** Tables watched. */
  tableNames(): string[] {
    return [...this.#tables.keys()];
  }

  /** Number of monitored (table, column) pairs, for memory/show. */
  columnCount(): number {
    let n = 0;
    for (const t of this.#tables.values()) n += t.columns.length;
    return n;
  }

  /** The contents a new monitor starts with: every matching row, as "initial" (v2/v3) or "new" (v1). */
  initial(rowsOf: (table: string) => Iterable<Row>): TableUpdates {
    const out: TableUpdates = {};
    for (const [name, spec] of this.#tables) {
      if (!spec.select.initial) continue;
      const rows = this.#dumpRows(spec, rowsOf(name), spec.condition, undefined, 'initial');
      if (rows) out[name] = rows;
    }
    return out;
  }

  /** The updates owed for one commit (or merged commits); undefined if none. */
  update(changes: RowChanges): TableUpdates | undefined {
    let out: TableUpdates | undefined;
    for (const [name, spec] of this.#tables) {
      const tableChanges = changes.get(name);
      if (!tableChanges) continue;
      let rows: RowUpdates | undefined;
      for (const [uuid, change] of tableChanges) {
        const u = this.#rowUpdate(spec, change);
        if (u !== undefined) (rows ??= {})[uuid] = u;
      }
      if (rows) (out ??= {})[name] = rows;
    }
    return out;
  }

  /**
   * Replaces the conditions of the listed tables (monitor_cond_change) and returns the updates
   * for rows that enter ("insert") or leave ("delete") the monitored set, or undefined.
   */
  changeConditions(conditions: ReadonlyMap<string, Condition | undefined>, rowsOf: (table: string) => Iterable<Row>, changeKey?: string): TableUpdates | undefined {
    this.specKey = this.specKey === undefined || changeKey === undefined ? undefined : `${this.specKey}|${changeKey}`;
    let out: TableUpdates | undefined;
    for (const [name, condition] of conditions) {
      const spec = this.#tables.get(name);
      if (!spec) continue;
      const rows = this.#dumpRows(spec, rowsOf(name), condition, spec.condition, 'insert');
      this.#tables.set(name, { ...spec, condition });
      if (rows) (out ??= {})[name] = rows;
    }
    return out;
  }

  /**
   * Rows matching `cond` (and, when `before` is given, the rows that matched `before` but no
   * longer match `cond`, as deletes). Rows matching both are left out.
   */
  #dumpRows(spec: TableMonitorSpec, rows: Iterable<Row>, cond: Condition | undefined, before: Condition | undefined, kind: 'initial' | 'insert'): RowUpdates | undefined {
    let out: RowUpdates | undefined;
    const changing = kind === 'insert';
    for (const row of rows) {
      const now = matches(cond, row);
      const was = changing ? matches(before, row) : false;
      if (now && !was) (out ??= {})[row.uuid] = this.#added(spec, row, kind);
      else if (!now && was) (out ??= {})[row.uuid] = this.#removed(spec, row);
    }
    return out;
  }

  // Each column appears only in the kinds of update its own request selected (see columnsFor).

  #added(spec: TableMonitorSpec, row: Row, kind: 'initial' | 'insert'): Json {
    if (this.version === 1) return { new: rowJsonAll(row, spec.columnsFor[kind]) };
    return { [kind]: rowJsonNonDefault(row, spec.columnsFor[kind]) };
  }

  #removed(spec: TableMonitorSpec, row: Row): Json {
    if (this.version === 1) return { old: rowJsonAll(row, spec.columnsFor.delete) };
    return { delete: null };
  }

  #rowUpdate(spec: TableMonitorSpec, change: RowChange): Json | undefined {
    const { old, new: neu } = change;
    const was = old !== undefined && matches(spec.condition, old);
    const now = neu !== undefined && matches(spec.condition, neu);
    if (now && !was && neu) return spec.select.insert ? this.#added(spec, neu, 'insert') : undefined;
    if (was && !now && old) return spec.select.delete ? this.#removed(spec, old) : undefined;
    if (!was || !old || !neu || !spec.select.modify) return undefined;
    const changed = changedColumns(old, neu, spec.columns);
    if (changed.length === 0) return undefined;
    const reported = spec.columnsFor.modify;
    const changedReported = reported.length === spec.columns.length ? changed : changed.filter((c) => reported.includes(c));
    if (this.version === 1) return { old: rowJsonAll(old, changedReported), new: rowJsonAll(neu, reported) };
    return { modify: rowJsonDiff(old, neu, changedReported) };
  }
}

/**
 * Folds consecutive commits into one change per row (first `old`, last `new`), as
 * monitor_cond_since owes a client that missed several transactions. Rows created and deleted
 * within the span vanish.
 */
export function mergeChanges(list: readonly RowChanges[]): RowChanges {
  if (list.length === 1 && list[0]) return list[0];
  const out = new Map<string, Map<Uuid, RowChange>>();
  for (const changes of list) {
    for (const [table, rows] of changes) {
      let t = out.get(table);
      if (!t) out.set(table, (t = new Map()));
      for (const [uuid, change] of rows) {
        const prev = t.get(uuid);
        t.set(uuid, { old: prev ? prev.old : change.old, new: change.new });
      }
    }
  }
  for (const t of out.values()) {
    for (const [uuid, c] of t) if (!c.old && !c.new) t.delete(uuid);
  }
  return out;
}
