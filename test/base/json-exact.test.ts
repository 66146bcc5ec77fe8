import { describe, expect, it } from 'vitest';
import { canonicalJson, jsonText } from '../../src/base/json.js';
import { needsExactParse, numberFromToken, parseJsonExact, parseJsonText } from '../../src/base/json-exact.js';
import { Prng } from '../../src/base/prng.js';

describe('numberFromToken (lib/json.c json_lex_number)', () => {
  it('keeps int64 integers exact, as bigint beyond ±2^53', () => {
    expect(numberFromToken('9223372036854775807')).toBe(9223372036854775807n);
    expect(numberFromToken('-9223372036854775808')).toBe(-9223372036854775808n);
    expect(numberFromToken('9007199254740993')).toBe(9007199254740993n);
    expect(numberFromToken('9007199254740991')).toBe(9007199254740991);
    expect(numberFromToken('-9007199254740991')).toBe(-9007199254740991);
  });

  it('makes literals beyond int64 reals', () => {
    expect(numberFromToken('9223372036854775808')).toBe(9223372036854775808);
    expect(numberFromToken('-9223372036854775809')).toBe(-9223372036854775808);
    expect(numberFromToken('100000000000000000000')).toBe(1e20);
  });

  it('reads any spelling of an integer value as an integer, as OVS does', () => {
    expect(numberFromToken('1.0')).toBe(1);
    expect(numberFromToken('15e-1')).toBe(1.5);
    expect(numberFromToken('150e-1')).toBe(15);
    expect(numberFromToken('1e18')).toBe(1000000000000000000n);
    expect(numberFromToken('922337203685477e4')).toBe(9223372036854770000n);
    expect(numberFromToken('92233720368547758070e-1')).toBe(9223372036854775807n);
    expect(numberFromToken('-0')).toBe(0);
    expect(Object.is(numberFromToken('-0.0'), 0)).toBe(true);
  });

  it('makes imprecise significands reals', () => {
    // 20 significant digits: the last one does not fit an unsigned long long.
    expect(numberFromToken('12345678901234567891e-1')).toBe(1234567890123456789.1);
    expect(typeof numberFromToken('12345678901234567891e-1')).toBe('number');
  });

  it('refuses what OVS refuses', () => {
    expect(numberFromToken('1e400')).toBe('number outside valid range');
    expect(numberFromToken('01')).toBe('leading zeros not allowed');
    expect(numberFromToken('1e99999999999')).toBe('exponent outside valid range');
    expect(numberFromToken('-')).toBe("'-' must be followed by digit");
    expect(numberFromToken('1.')).toBe('decimal point must be followed by digit');
    expect(numberFromToken('1e')).toBe('exponent must contain at least one digit');
  });
});

describe('parseJsonExact', () => {
  it('parses what JSON.parse parses, identically, when no number needs exactness', () => {
    const texts = [
      '{"a":[1,2.5,-3,true,false,null,"x\\"y\\\\","\\u00e9\\ud83d\\ude00"],"b":{},"c":[]}',
      ' [ 1 , { "k" : "v" } ] ',
      '{"__proto__":1,"a":{"__proto__":{"b":2}}}',
      '{"dup":1,"dup":2}',
      '"\\\\"',
      '[0.5,1e-7,3.25]',
    ];
    for (const t of texts) expect(parseJsonExact(t)).toEqual(JSON.parse(t));
    const proto = parseJsonExact('{"__proto__":1}') as Record<string, unknown>;
    expect(Object.keys(proto)).toEqual(['__proto__']);
  });

  it('yields bigints for int64 literals beyond ±2^53 and reals beyond int64', () => {
    expect(parseJsonExact('{"i":[9223372036854775807,-9223372036854775808,9223372036854775808,"9223372036854775807"]}'))
      .toEqual({ i: [9223372036854775807n, -9223372036854775808n, 9223372036854775808, '9223372036854775807'] });
  });

  it('throws SyntaxError on garbage, never anything else', () => {
    const bad = ['', '[', '[1,]', '{"a"}', '{"a":1,}', '[01]', '[1e400]', '[tru]', '["abc]', '[1]x', '{1:2}',
      '[9223372036854775807', '["\\x"]', '["\u0001"]', '[-]', '[.5]', '[+1]', '[1.e5]', '[NaN]'];
    for (const t of bad) expect(() => parseJsonExact(t), t).toThrow(SyntaxError);
    const prng = new Prng(7);
    const alphabet = '[]{}",:0123456789-+.eEtruefalsn \\';
    for (let n = 0; n < 2000; n++) {
      let t = '';
      const len = prng.nextU32() % 24;
      for (let i = 0; i < len; i++) t += alphabet[prng.nextU32() % alphabet.length];
      let native: unknown;
      let nativeOk = true;
      try {
        native = JSON.parse(t);
      } catch {
        nativeOk = false;
      }
      try {
        const v = parseJsonExact(t);
        // Accepted: JSON.parse accepts it too (OVS refuses a few that JSON.parse takes, not more).
        expect(nativeOk, t).toBe(true);
        if (typeof v !== 'bigint' && !(typeof native === 'number' && Object.is(native, -0))) expect(canonicalJson(v)).toBe(canonicalJson(native as never));
      } catch (e) {
        expect(e, t).toBeInstanceOf(SyntaxError);
      }
    }
  });
});

describe('needsExactParse', () => {
  it('flags long digit runs and exponents outside strings only', () => {
    expect(needsExactParse('[123456789012345]')).toBe(false);
    expect(needsExactParse('[1234567890123456]')).toBe(true);
    expect(needsExactParse('[1.234567890123456]')).toBe(true);
    expect(needsExactParse('[1e5]')).toBe(true);
    expect(needsExactParse('[true,false,null]')).toBe(false);
    expect(needsExactParse('["3e4f1234-0000-0000-0000-123456789012","12345678901234567890"]')).toBe(false);
    expect(needsExactParse('["a\\"1234567890123456789",1]')).toBe(false);
    expect(needsExactParse('["a\\\\",12345678901234567890]')).toBe(true);
  });

  it('parseJsonText agrees with the exact parser', () => {
    expect(parseJsonText('{"i":9223372036854775807}')).toEqual({ i: 9223372036854775807n });
    expect(parseJsonText('{"i":5}')).toEqual({ i: 5 });
  });
});

describe('jsonText and canonicalJson', () => {
  it('write bigints as exact digits and match JSON.stringify otherwise', () => {
    const v = { b: [9223372036854775807n, -9223372036854775808n], a: 'x', n: 1.5, u: undefined, z: null };
    expect(jsonText(v)).toBe('{"b":[9223372036854775807,-9223372036854775808],"a":"x","n":1.5,"z":null}');
    expect(jsonText([undefined, 1n])).toBe('[null,1]');
    expect(jsonText({ a: [1, 'x'] })).toBe(JSON.stringify({ a: [1, 'x'] }));
    expect(canonicalJson({ b: 1n << 62n, a: 1 })).toBe('{"a":1,"b":4611686018427387904}');
    expect(parseJsonText(jsonText({ i: 9223372036854775807n }))).toEqual({ i: 9223372036854775807n });
  });
});
