/**
 * Realistic OVN Northbound transactions, shaped like the ones ovn-nbctl and ovn-northd send:
 * switches with ports, ACLs, routers, port groups, address sets, with monitors watching.
 */
import { type DiffCase, NB, insert, rpc, selectAll, tx, txCase } from '../case.js';

const nsUuid = (n: string): unknown[] => ['named-uuid', n];
const lsWithPorts = [
  insert('Logical_Switch_Port', { name: 'lp1', addresses: ['set', ['00:00:00:00:00:01 10.0.0.1']] }, 'p1'),
  insert('Logical_Switch_Port', { name: 'lp2', addresses: 'dynamic', options: ['map', [['requested-chassis', 'hv1']]] }, 'p2'),
  insert('Logical_Switch', { name: 'ls0', ports: ['set', [nsUuid('p1'), nsUuid('p2')]], other_config: ['map', [['subnet', '10.0.0.0/24']]] }, 'ls'),
];
const acl = (name: string, priority: number, direction: string): Record<string, unknown> =>
  insert('ACL', { priority, direction, match: `outport == "${name}" && ip4`, action: 'allow-related', name, log: true, severity: 'info' }, name);

export const ovnNbCases: readonly DiffCase[] = [
  txCase('NB_Global single row', NB, [[insert('NB_Global', {})], [insert('NB_Global', {})], [selectAll('NB_Global', ['nb_cfg', 'sb_cfg', 'options'])]]),
  txCase('switch with ports', NB, [lsWithPorts, [selectAll('Logical_Switch', ['name', 'ports', 'other_config']), selectAll('Logical_Switch_Port', ['name', 'addresses', 'options', 'enabled', 'up'])]]),
  txCase('port name index', NB, [lsWithPorts, [insert('Logical_Switch_Port', { name: 'lp1' }, 'dup'), { op: 'mutate', table: 'Logical_Switch', where: [], mutations: [['ports', 'insert', ['set', [nsUuid('dup')]]]] }]]),
  txCase('port removal collects the port', NB, [lsWithPorts, [{ op: 'mutate', table: 'Logical_Switch', where: [['name', '==', 'ls0']], mutations: [['ports', 'delete', ['set', []]]] }], [{ op: 'update', table: 'Logical_Switch', where: [], row: { ports: ['set', []] } }], [selectAll('Logical_Switch_Port', ['name'])]]),
  txCase('ACLs on a switch', NB, [
    [...lsWithPorts],
    [acl('a1', 1001, 'to-lport'), acl('a2', 1002, 'from-lport'), { op: 'mutate', table: 'Logical_Switch', where: [['name', '==', 'ls0']], mutations: [['acls', 'insert', ['set', [nsUuid('a1'), nsUuid('a2')]]]] }],
    [selectAll('ACL', ['priority', 'direction', 'match', 'action', 'name', 'log', 'severity'])],
  ]),
  txCase('ACL constraint violations', NB, [[insert('ACL', { priority: 70000, direction: 'to-lport', match: 'ip', action: 'allow' })], [insert('ACL', { priority: 1, direction: 'sideways', match: 'ip', action: 'allow' })], [insert('ACL', { priority: 1, direction: 'to-lport', match: 'ip', action: 'permit' })]]),
  txCase('router with ports and static route', NB, [
    [
      insert('Logical_Router_Port', { name: 'lrp0', mac: '00:00:00:00:ff:01', networks: ['set', ['10.0.0.254/24']] }, 'lrp'),
      insert('Logical_Router_Static_Route', { ip_prefix: '0.0.0.0/0', nexthop: '10.0.0.1' }, 'rt'),
      insert('Logical_Router', { name: 'lr0', ports: nsUuid('lrp'), static_routes: nsUuid('rt'), options: ['map', [['chassis', 'hv1']]] }),
    ],
    [selectAll('Logical_Router', ['name', 'ports', 'static_routes', 'options', 'enabled']), selectAll('Logical_Router_Port', ['name', 'mac', 'networks'])],
  ]),
  txCase('router port peer and NAT', NB, [
    [
      insert('Logical_Router_Port', { name: 'lrp1', mac: '00:00:00:00:ff:02', networks: '192.168.0.1/24' }, 'lrp'),
      insert('NAT', { type: 'snat', external_ip: '172.16.0.1', logical_ip: '192.168.0.0/24' }, 'nat'),
      insert('Logical_Router', { name: 'lr1', ports: nsUuid('lrp'), nat: nsUuid('nat') }),
    ],
    [{ op: 'update', table: 'NAT', where: [], row: { type: 'bogus' } }],
    [selectAll('NAT', ['type', 'external_ip', 'logical_ip'])],
  ]),
  txCase('port group and address set', NB, [
    [...lsWithPorts, insert('Port_Group', { name: 'pg1', ports: ['set', [nsUuid('p1')]] }), insert('Address_Set', { name: 'as1', addresses: ['set', ['10.0.0.1', '10.0.0.2']] })],
    [insert('Address_Set', { name: 'as1' })],
    [{ op: 'mutate', table: 'Address_Set', where: [['name', '==', 'as1']], mutations: [['addresses', 'delete', '10.0.0.1']] }, selectAll('Address_Set', ['name', 'addresses'])],
  ]),
  txCase('deleting a switch collects ports and ACLs', NB, [
    [...lsWithPorts],
    [acl('a3', 1000, 'to-lport'), { op: 'mutate', table: 'Logical_Switch', where: [], mutations: [['acls', 'insert', nsUuid('a3')]] }],
    [{ op: 'delete', table: 'Logical_Switch', where: [] }],
    [selectAll('Logical_Switch_Port', ['name']), selectAll('ACL', ['name'])],
  ]),
  txCase('nbctl-style wait and comment', NB, [
    [insert('NB_Global', {})],
    [
      { op: 'wait', table: 'NB_Global', where: [], columns: ['nb_cfg'], until: '==', rows: [{ nb_cfg: 0 }], timeout: 0 },
      { op: 'mutate', table: 'NB_Global', where: [], mutations: [['nb_cfg', '+=', 1]] },
      { op: 'comment', comment: 'ovn-nbctl: ovn-nbctl --wait=sb sync' },
      { op: 'select', table: 'NB_Global', where: [], columns: ['nb_cfg'] },
    ],
  ]),
  {
    name: 'northd-style monitor of the NB database',
    db: NB,
    steps: [
      { send: rpc('monitor_cond', [NB, 'nb', { NB_Global: [{ columns: ['nb_cfg', 'options'] }], Logical_Switch: [{ columns: ['name', 'ports'] }], Logical_Switch_Port: [{ columns: ['name', 'addresses', 'up'] }] }]) },
      { conn: 1, send: tx(NB, insert('NB_Global', {}), ...lsWithPorts) },
      { conn: 1, send: tx(NB, { op: 'update', table: 'Logical_Switch_Port', where: [['name', '==', 'lp1']], row: { up: true } }) },
      { conn: 1, send: tx(NB, { op: 'mutate', table: 'NB_Global', where: [], mutations: [['nb_cfg', '+=', 1]] }) },
      { conn: 1, send: tx(NB, { op: 'delete', table: 'Logical_Switch', where: [] }) },
    ],
  },
  {
    name: 'monitor_cond_since on NB with condition change',
    db: NB,
    steps: [
      { conn: 1, send: tx(NB, ...lsWithPorts) },
      { send: rpc('monitor_cond_since', [NB, 'nb', { Logical_Switch_Port: [{ columns: ['name'], where: [['name', '==', 'lp1']] }] }, '00000000-0000-0000-0000-000000000000']) },
      { send: rpc('monitor_cond_change', ['nb', 'nb', { Logical_Switch_Port: [{ where: [['name', '==', 'lp2']] }] }]) },
      { conn: 1, send: tx(NB, { op: 'update', table: 'Logical_Switch_Port', where: [], row: { type: 'router' } }) },
    ],
  },
];
