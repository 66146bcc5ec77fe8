/**
 * ovsdb-ts's client library (package export `ovsdb-ts/client`): connect to one of a list of
 * OVSDB servers, transact, monitor with a local replica, take locks, reconnect.
 *
 * @example
 * import { OvsdbClient } from 'ovsdb-ts/client';
 * const c = await OvsdbClient.connect('tcp:127.0.0.1:6641,tcp:127.0.0.1:6643', { database: 'OVN_Northbound', reconnect: true });
 * const m = await c.monitor('OVN_Northbound', { Logical_Switch: { columns: ['name', 'ports'] } });
 * m.onChange((changes) => console.log(changes.length, 'rows changed'));
 */
export { OvsdbClient, TransactionError, splitRemotes, withTimeout } from './client.js';
export type { ClientOptions, LockEvent, Operation } from './client.js';
export { RpcError } from './channel.js';
export type { ChannelHandlers, Connector, RpcChannel } from './channel.js';
export { defaultConnector, makeConnector } from './connector.js';
export type { ConnectorOptions } from './connector.js';
export { Monitor, ZERO_TXN_ID } from './monitor.js';
export type { ChangeListener, MonitorRequests, MonitorVersion } from './monitor.js';
export { Replica, applyDatumDiff } from './replica.js';
export type { ReplicaChange, ReplicaRow, UpdateVersion } from './replica.js';
export { parseSchemaInfo, parseColumnType } from './schema-info.js';
export type { AtomType, ColumnInfo, SchemaInfo, TableInfo } from './schema-info.js';
export { formatOvsJson, formatG } from './ovs-json.js';
export { TablePrinter, defaultTableStyle, parseTableFormat, parseCellFormat } from './table-format.js';
export type { Cell, CellFormat, OutputTable, TableFormat, TableStyle } from './table-format.js';
export { decodeDatum, datumToString, datumToBare, datumToJson, compareDatums } from './datum-text.js';
export type { ClientDatum, AtomValue } from './datum-text.js';
export { runClientCommand, clientCommandNames } from './cli/run-client-command.js';
export type { ClientCliOptions, ClientIo } from './cli/context.js';
