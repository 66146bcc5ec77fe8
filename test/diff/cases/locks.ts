/**
 * Locks (RFC 7047 §4.1.8-4.1.10): lock, steal, unlock, the locked and stolen notifications and
 * the assert operation. Every case uses its own lock names so cases stay independent even while
 * the server is still tearing down the previous case's connections.
 */
import { type DiffCase, DIFF, MINI, rpc, tx } from '../case.js';

const T = (lock: string): Record<string, unknown> => tx(MINI, { op: 'assert', lock }, { op: 'insert', table: 'T', row: { k: lock } });

export const lockCases: readonly DiffCase[] = [
  {
    name: 'lock granted, contention, unlock hands over',
    db: MINI,
    steps: [
      { send: rpc('lock', ['L1']) },
      { conn: 1, send: rpc('lock', ['L1']) },
      { send: rpc('unlock', ['L1']) },
      { conn: 1, send: T('L1') },
    ],
  },
  {
    name: 'steal notifies the owner',
    db: MINI,
    steps: [
      { send: rpc('lock', ['L2']) },
      { conn: 1, send: rpc('steal', ['L2']) },
      { send: T('L2') },
      { conn: 1, send: T('L2') },
      { conn: 1, send: rpc('unlock', ['L2']) },
    ],
  },
  {
    name: 'assert holds only for the owner',
    db: MINI,
    steps: [{ send: rpc('lock', ['L3']) }, { send: T('L3') }, { conn: 1, send: T('L3') }],
  },
  {
    name: 'lock twice on one connection',
    db: MINI,
    steps: [{ send: rpc('lock', ['L4']) }, { send: rpc('lock', ['L4']) }, { send: rpc('steal', ['L4']) }],
  },
  {
    name: 'unlock a lock not held',
    db: MINI,
    steps: [{ send: rpc('unlock', ['L5']) }],
  },
  {
    name: 'lock bad params',
    db: MINI,
    steps: [{ send: rpc('lock', [5]) }, { send: rpc('lock', []) }, { send: rpc('steal', [['x']]) }, { send: rpc('unlock', [null]) }],
  },
  {
    name: 'waiting lock granted when the owner disconnects',
    db: MINI,
    steps: [
      { send: rpc('lock', ['L6']) },
      { conn: 1, send: rpc('lock', ['L6']) },
      { send: '{"id":"bye","method":}' },
      { conn: 1, send: T('L6') },
    ],
  },
  {
    name: 'unlock while waiting withdraws the request',
    db: MINI,
    steps: [
      { send: rpc('lock', ['L7']) },
      { conn: 1, send: rpc('lock', ['L7']) },
      { conn: 1, send: rpc('unlock', ['L7']) },
      { send: rpc('unlock', ['L7']) },
      { conn: 2, send: rpc('lock', ['L7']) },
    ],
  },
  {
    name: 'steal then original unlocks',
    db: MINI,
    steps: [
      { send: rpc('lock', ['L8']) },
      { conn: 1, send: rpc('steal', ['L8']) },
      { send: rpc('unlock', ['L8']) },
      { conn: 2, send: rpc('lock', ['L8']) },
      { conn: 1, send: rpc('unlock', ['L8']) },
    ],
  },
  {
    name: 'lock names must be ids',
    db: DIFF,
    steps: [
      { send: rpc('lock', ['with-dash']) },
      { send: rpc('lock', ['9starts_with_digit']) },
      { send: rpc('steal', ['']) },
      { send: rpc('unlock', ['a.b']) },
      { send: tx(DIFF, { op: 'assert', lock: 'a-b' }) },
      { send: rpc('lock', ['_Underscore_OK9']) },
    ],
  },
  {
    name: 'several locks on one connection',
    db: DIFF,
    steps: [
      { send: rpc('lock', ['L9a']) },
      { send: rpc('lock', ['L9b']) },
      { send: tx(DIFF, { op: 'assert', lock: 'L9a' }, { op: 'assert', lock: 'L9b' }, { op: 'assert', lock: 'L9c' }) },
    ],
  },
];
