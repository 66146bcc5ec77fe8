/**
 * The read-only `_Server` database (ovsdb-server(5) "_Server"): one Database row per hosted
 * database (and one for _Server itself), which the C and Python IDLs read at connect time to
 * learn each database's model, whether it is connected, whether this server is the leader, and
 * its schema. Clients may select and monitor it; writes are refused by the engine ("not
 * allowed ... reserved database _Server"). The server keeps the rows current by committing
 * records directly, through the same commit path, so monitors of _Server see every change.
 */
import type { Json, JsonObject } from '../base/json.js';
import { canonicalJson } from '../base/json.js';
import type { Clock } from '../base/clock.js';
import type { Uuid } from '../base/uuid.js';
import { Database, parseSchema } from '../ovsdb/index.js';
import type { DatabaseSchema } from '../ovsdb/types.js';
import type { BackendStatus } from './database-backend.js';
import { StandaloneHost } from './database-host.js';
import type { Logger, UuidSource } from './ports.js';

/** The _Server schema of Open vSwitch 3.1 (ovsdb/_server.ovsschema), cksum included. */
export const SERVER_SCHEMA_JSON: JsonObject = {
  name: '_Server',
  version: '1.2.0',
  cksum: '3009684573 744',
  tables: {
    Database: {
      columns: {
        name: { type: 'string' },
        model: { type: { key: { type: 'string', enum: ['set', ['standalone', 'clustered', 'relay']] } } },
        connected: { type: 'boolean' },
        leader: { type: 'boolean' },
        schema: { type: { key: { type: 'string' }, min: 0, max: 1 } },
        cid: { type: { key: { type: 'uuid' }, min: 0, max: 1 } },
        sid: { type: { key: { type: 'uuid' }, min: 0, max: 1 } },
        index: { type: { key: { type: 'integer' }, min: 0, max: 1 } },
      },
    },
  },
};

/** What one row says about one database. */
export interface ServerRowSource {
  readonly name: string;
  schema(): DatabaseSchema;
  status(): BackendStatus;
}

function optional(v: Json | undefined): Json {
  return v === undefined ? ['set', []] : v;
}

/** The canonical text of each schema object: a schema changes only through convert (a new object). */
const schemaTexts = new WeakMap<object, string>();

function schemaText(schema: DatabaseSchema): string {
  let t = schemaTexts.get(schema);
  if (t === undefined) schemaTexts.set(schema, (t = canonicalJson(schema.json)));
  return t;
}

function rowJson(src: ServerRowSource): { [k: string]: Json } {
  const st = src.status();
  return {
    name: src.name,
    model: st.model,
    connected: st.connected,
    leader: st.leader,
    schema: schemaText(src.schema()),
    cid: optional(st.cid === undefined ? undefined : ['uuid', st.cid]),
    sid: optional(st.sid === undefined ? undefined : ['uuid', st.sid]),
    index: optional(st.index),
  };
}

export class ServerDatabase {
  readonly host: StandaloneHost;
  readonly #rows = new Map<string, { uuid: Uuid; text: string; src: ServerRowSource }>();
  readonly #newUuid: UuidSource;

  constructor(opts: { readonly clock: Clock; readonly newUuid: UuidSource; readonly logger: Logger }) {
    this.#newUuid = opts.newUuid;
    this.host = new StandaloneHost({
      db: new Database(parseSchema(SERVER_SCHEMA_JSON)),
      store: undefined,
      clock: opts.clock,
      newUuid: opts.newUuid,
      logger: opts.logger,
      autoCompact: false,
      onFatal: (e) => opts.logger.log('ERR', 'server', `_Server: ${e.message}`),
    });
    this.add({ name: '_Server', schema: () => this.host.schema(), status: () => this.host.status() });
  }

  /** Adds the row for a database. */
  add(src: ServerRowSource): void {
    const uuid = this.#newUuid();
    const row = rowJson(src);
    this.#rows.set(src.name, { uuid, text: JSON.stringify(row), src });
    this.host.commitRecord({ Database: { [uuid]: { ...row, _version: ['uuid', this.#newUuid()] } } });
  }

  /** Removes the row for a database. */
  remove(name: string): void {
    const r = this.#rows.get(name);
    if (!r) return;
    this.#rows.delete(name);
    this.host.commitRecord({ Database: { [r.uuid]: null } });
  }

  /** Re-reads every source and commits the rows that changed (cheap when none did). */
  refresh(): void {
    const changed: { [u: string]: JsonObject } = {};
    let changedSome = false;
    for (const r of this.#rows.values()) {
      const row = rowJson(r.src);
      // The schema is compared by its text, not re-canonicalised inside the row.
      const text = JSON.stringify(row);
      if (text === r.text) continue;
      r.text = text;
      changed[r.uuid] = { ...row, _version: ['uuid', this.#newUuid()] };
      changedSome = true;
    }
    if (changedSome) this.host.commitRecord({ Database: changed });
  }
}
