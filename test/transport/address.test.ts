import { describe, expect, it } from 'vitest';
import { AddressError, formatAddress, parseActiveAddress, parseActiveAddressList, parsePassiveAddress } from '../../src/transport/address.js';

describe('connection method strings', () => {
  it('parses active methods', () => {
    expect(parseActiveAddress('tcp:127.0.0.1:6641')).toEqual({ kind: 'tcp', host: '127.0.0.1', port: 6641 });
    expect(parseActiveAddress('tcp:127.0.0.1')).toEqual({ kind: 'tcp', host: '127.0.0.1', port: 6640 });
    expect(parseActiveAddress('ssl:[::1]:6643')).toEqual({ kind: 'ssl', host: '::1', port: 6643 });
    expect(parseActiveAddress('tcp:[fe80::1]')).toEqual({ kind: 'tcp', host: 'fe80::1', port: 6640 });
    expect(parseActiveAddress('tcp:db.example.com:1')).toEqual({ kind: 'tcp', host: 'db.example.com', port: 1 });
    expect(parseActiveAddress('unix:/run/a b.sock')).toEqual({ kind: 'unix', path: '/run/a b.sock' });
  });

  it('parses passive methods', () => {
    expect(parsePassiveAddress('ptcp:6641')).toEqual({ kind: 'ptcp', host: '0.0.0.0', port: 6641 });
    expect(parsePassiveAddress('ptcp:0:127.0.0.1')).toEqual({ kind: 'ptcp', host: '127.0.0.1', port: 0 });
    expect(parsePassiveAddress('ptcp:')).toEqual({ kind: 'ptcp', host: '0.0.0.0', port: 6640 });
    expect(parsePassiveAddress('pssl:6643:[::1]')).toEqual({ kind: 'pssl', host: '::1', port: 6643 });
    expect(parsePassiveAddress('punix:/tmp/x.sock')).toEqual({ kind: 'punix', path: '/tmp/x.sock' });
  });

  it('parses comma-separated lists of active methods', () => {
    expect(parseActiveAddressList('tcp:127.0.0.1:1, unix:/x,ssl:[::1]:3')).toEqual([
      { kind: 'tcp', host: '127.0.0.1', port: 1 }, { kind: 'unix', path: '/x' }, { kind: 'ssl', host: '::1', port: 3 },
    ]);
  });

  it('round-trips through formatAddress', () => {
    for (const t of ['tcp:127.0.0.1:6641', 'ssl:[::1]:1', 'unix:/a']) expect(formatAddress(parseActiveAddress(t))).toBe(t);
    for (const t of ['ptcp:6641:127.0.0.1', 'pssl:0:[::1]', 'punix:/a']) expect(formatAddress(parsePassiveAddress(t))).toBe(t);
  });

  it('rejects bad active methods with clear errors', () => {
    const bad: [string, RegExp][] = [
      ['127.0.0.1:6640', /unknown connection method "127.0.0.1"/],
      ['udp:1.2.3.4:1', /unknown connection method "udp"/],
      ['ptcp:6640', /passive method/],
      ['tcp::6640', /missing host/],
      ['tcp:1.2.3.4:99999', /out of range/],
      ['tcp:1.2.3.4:0', /out of range/],
      ['tcp:1.2.3.4:x', /bad port number/],
      ['tcp:::1:6640', /must be in brackets/],
      ['tcp:[::1', /missing "\]"/],
      ['tcp:[zz]:1', /not a valid IPv6/],
      ['tcp:[::1]x', /unexpected/],
      ['tcp:1.2.3.999:1', /not a valid IP/],
      ['tcp:bad_host:1', /not a valid IP/],
      ['unix:', /missing socket path/],
      ['', /missing connection method/],
    ];
    for (const [text, re] of bad) expect(() => parseActiveAddress(text), text).toThrow(re);
    expect(() => parseActiveAddress('x')).toThrow(AddressError);
    expect(() => parseActiveAddressList('tcp:1.2.3.4:1,,unix:/x')).toThrow(/empty entry/);
  });

  it('rejects bad passive methods with clear errors', () => {
    const bad: [string, RegExp][] = [
      ['tcp:1.2.3.4:1', /active method/],
      ['ptcp:abc', /bad port number/],
      ['ptcp:1:::1', /must be in brackets/],
      ['ptcp:1:[::1', /missing "\]"/],
      ['ptcp:1:myhost', /not a valid IP/],
      ['punix:', /missing socket path/],
      ['pfoo:1', /unknown connection method/],
    ];
    for (const [text, re] of bad) expect(() => parsePassiveAddress(text), text).toThrow(re);
  });
});
