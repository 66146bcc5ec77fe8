/**
 * OVS's vlog as ovsdb-ts implements it: spec syntax and error texts (vlog_set_levels_from_string),
 * per-module and per-destination levels, vlog/list's layout, and the two line formats.
 */
import { describe, expect, it } from 'vitest';
import { formatVlogLine, VlogLogger } from '../../src/server/vlog.js';

const at = Date.UTC(2026, 10, 24, 20, 0, 0, 123);

function logger(): { log: VlogLogger; console: string[]; file: string[] } {
  const console: string[] = [];
  const file: string[] = [];
  const log = new VlogLogger(() => at);
  log.setWriter('console', (l) => console.push(l));
  log.setWriter('file', (l) => file.push(l));
  return { log, console, file };
}

describe('VlogLogger', () => {
  it('takes OVS specs: destination, level, module in any order, ANY, a missing level meaning dbg', () => {
    const { log } = logger();
    expect(log.set('console:off')).toBeUndefined();
    expect(log.level('jsonrpc', 'console')).toBe('OFF');
    expect(log.level('jsonrpc', 'file')).toBe('INFO');
    expect(log.set('dbg:file:jsonrpc')).toBeUndefined();
    expect(log.level('jsonrpc', 'file')).toBe('DBG');
    expect(log.level('server', 'file')).toBe('INFO');
    expect(log.set('ANY:syslog:warn')).toBeUndefined();
    expect(log.level('raft', 'syslog')).toBe('WARN');
    expect(log.set('reconnect')).toBeUndefined();
    expect(log.level('reconnect', 'console')).toBe('DBG');
    expect(log.set('PATTERN:file:%m')).toBeUndefined();
    expect(log.set('FACILITY:daemon')).toBeUndefined();
  });

  it('refuses bad specs with ovsdb-server\'s texts', () => {
    const { log } = logger();
    expect(log.set('bogus:xyz')).toBe('no destination, level, or module "bogus"');
    expect(log.set('console:file')).toBe('cannot specify multiple destinations');
    expect(log.set('info:dbg')).toBe('cannot specify multiple levels');
    expect(log.set('jsonrpc:raft')).toBe('cannot specify multiple modules');
    expect(log.set('PATTERN')).toBe('missing destination');
    expect(log.set('PATTERN:nowhere:%m')).toBe('unknown destination "nowhere"');
    expect(log.set('FACILITY:nope')).toBe('invalid facility');
  });

  it('writes each destination at its own level, console lines to the second and file lines to the millisecond', () => {
    const { log, console, file } = logger();
    log.set('console:warn');
    log.log('INFO', 'server', 'hello');
    log.log('WARN', 'server', 'careful');
    expect(console).toEqual(['2026-11-24T20:00:00Z|00002|server|WARN|careful\n']);
    expect(file).toEqual([formatVlogLine(at, 1, 'INFO', 'server', 'hello'), formatVlogLine(at, 2, 'WARN', 'server', 'careful')]);
    expect(file[0]).toBe('2026-11-24T20:00:00.123Z|00001|server|INFO|hello\n');
    log.logToFile('EMER', 'server', 'fatal');
    expect(console).toHaveLength(1);
    expect(file[2]).toContain('|server|EMER|fatal');
  });

  it('lists levels in vlog/list\'s layout, modules sorted, new modules added on first use', () => {
    const { log } = logger();
    log.set('console:off');
    log.log('INFO', 'zz_new', 'x');
    const lines = log.list().split('\n');
    expect(lines[0]).toBe('                 console    syslog    file');
    expect(lines[1]).toBe('                 -------    ------    ------');
    expect(lines).toContain('jsonrpc            OFF       INFO       INFO');
    expect(lines).toContain('ovsdb_jsonrpc_server   OFF       INFO       INFO');
    expect(lines.at(-2)).toBe('zz_new             OFF       INFO       INFO');
  });
});
