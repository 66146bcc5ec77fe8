/**
 * `ovsdb-ts server`'s command line is parsed as ovsdb-server's getopt_long does it: optional
 * arguments only when attached, required ones attached or next, unique prefixes, getopt's errors.
 */
import { describe, expect, it } from 'vitest';
import { parseServerArgs } from '../../src/cli/server-args.js';

function args(argv: string[]) {
  const r = parseServerArgs(argv);
  if (!r.ok) throw new Error(r.error);
  return r.args;
}

function error(argv: string[]): string {
  const r = parseServerArgs(argv);
  return r.ok ? '' : r.error;
}

describe('parseServerArgs', () => {
  it('-v and --pidfile take only attached values and never swallow the next word', () => {
    const a = args(['-v', '--remote=ptcp:6641', '--pidfile', 'nb', '-vconsole:off', '--verbose=file:info', '--log-file', 'sb']);
    expect(a.verbose).toEqual(['', 'console:off', 'file:info']);
    expect(a.remotes).toEqual(['ptcp:6641']);
    expect(a.pidfile).toBe(true);
    expect(a.logFile).toBe(true);
    expect(a.dbs).toEqual(['nb', 'sb']);
    expect(args(['--pidfile=/run/x.pid', '--log-file=/var/log/x.log']).pidfile).toBe('/run/x.pid');
  });

  it('takes required values attached or as the next word, short or long, and unique prefixes', () => {
    const a = args(['--user', 'ovn:ovn', '-p', 'key.pem', '-ccert.pem', '--ca-cert=ca.pem', '--unix=/run/x.ctl', '--remote', 'punix:/run/db.sock', 'db']);
    expect(a.user).toBe('ovn:ovn');
    expect([a.privateKey, a.certificate, a.caCert]).toEqual(['key.pem', 'cert.pem', 'ca.pem']);
    expect(a.unixctl).toBe('/run/x.ctl');
    expect(a.remotes).toEqual(['punix:/run/db.sock']);
    expect(a.dbs).toEqual(['db']);
  });

  it('accepts the daemon options ovn-ctl and systemd pass', () => {
    const a = args(['--detach', '--monitor', '--no-chdir', '--overwrite-pidfile', '--ssl-protocols=db:OVN_Northbound,SSL,ssl_protocols',
      '--ssl-ciphers=db:OVN_Northbound,SSL,ssl_ciphers', '--disable-file-column-diff', 'db']);
    expect([a.detach, a.monitor, a.noChdir, a.overwritePidfile]).toEqual([true, true, true, true]);
    expect(a.sslProtocols).toBe('db:OVN_Northbound,SSL,ssl_protocols');
    expect(a.unsupported).toEqual([]);
    expect(args(['--sync-from=tcp:1.2.3.4:6641', 'db']).unsupported).toEqual(['--sync-from']);
  });

  it('gives getopt\'s errors, as ovsdb-server prints them', () => {
    expect(error(['--foo'])).toBe("unrecognized option '--foo'");
    expect(error(['--remote'])).toBe("option '--remote' requires an argument");
    expect(error(['-x'])).toBe("invalid option -- 'x'");
    expect(error(['--detach=yes'])).toBe("option '--detach' doesn't allow an argument");
    expect(error(['--s'])).toMatch(/^option '--s' is ambiguous; possibilities:/);
  });
});
