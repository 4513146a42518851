import assert from 'node:assert/strict';
import { escapeDnValue, escapeFilterValue, isDnWithin, normalizeDn, parseDn } from '../../../daemon/src/directory/ad/ldap-escape.js';

describe('RFC 4515 filter escaping', () => {
  it('escapes the characters that could change a filter', () => {
    assert.equal(escapeFilterValue('*'), '\\2a');
    assert.equal(escapeFilterValue('a)(objectClass=*'), 'a\\29\\28objectClass=\\2a');
    assert.equal(escapeFilterValue('back\\slash'), 'back\\5cslash');
    assert.equal(escapeFilterValue('nul\u0000'), 'nul\\00');
    assert.equal(escapeFilterValue('tab\tdel\u007f'), 'tab\\09del\\7f');
  });
  it('keeps UTF-8 and ordinary characters as they are', () => {
    assert.equal(escapeFilterValue('René Ærø'), 'René Ærø');
    assert.equal(escapeFilterValue('j.doe@example.com'), 'j.doe@example.com');
  });
  it('never leaves an unescaped metacharacter, whatever the input', () => {
    for (let i = 0; i < 2000; i++) {
      const s = Array.from({ length: 12 }, () => String.fromCharCode(Math.floor(Math.random() * 128))).join('');
      const e = escapeFilterValue(s);
      // eslint-disable-next-line no-control-regex
      assert.ok(!/[*()\u0000]/.test(e), JSON.stringify(s));
      assert.ok(!/\\(?![0-9a-f]{2})/.test(e), JSON.stringify(s));
    }
  });
});

describe('RFC 4514 DNs', () => {
  it('escapes special characters, leading/trailing spaces and leading #', () => {
    assert.equal(escapeDnValue('Smith, John'), 'Smith\\, John');
    assert.equal(escapeDnValue(' lead'), '\\ lead');
    assert.equal(escapeDnValue('trail '), 'trail\\ ');
    assert.equal(escapeDnValue('#hash'), '\\#hash');
    assert.equal(escapeDnValue('a+b=c;d<e>f"g\\h'), 'a\\+b\\=c\\;d\\<e\\>f\\"g\\\\h');
    assert.equal(escapeDnValue('nul\u0000'), 'nul\\00');
  });
  it('parses escaped and hex-escaped values and round-trips', () => {
    const rdns = parseDn('CN=Smith\\, John,OU=People\\2b,DC=example,DC=com');
    assert.deepEqual(rdns.map((r) => r.value), ['Smith, John', 'People+', 'example', 'com']);
    const dn = ['CN', 'OU'].map((t, i) => `${t}=${escapeDnValue([' x,y ', '#a+b'][i] as string)}`).join(',');
    assert.deepEqual(parseDn(dn).map((r) => r.value), [' x,y ', '#a+b']);
    assert.equal(parseDn('CN=Ren\\C3\\A9,DC=x')[0]?.value, 'René');
  });
  it('rejects malformed DNs', () => {
    assert.throws(() => parseDn('CN=a,garbage'));
    assert.throws(() => parseDn('CN=a\\'));
    assert.throws(() => parseDn('1bad=a'));
  });
  it('compares DNs case- and escape-insensitively and checks containment', () => {
    assert.equal(normalizeDn('cn=Alice,ou=People,dc=Example,dc=COM'), normalizeDn('CN=alice,OU=people,DC=example,DC=com'));
    assert.ok(isDnWithin('CN=a,OU=People,DC=x', 'ou=people,dc=X'));
    assert.ok(!isDnWithin('CN=a,OU=NotPeople,DC=x', 'OU=People,DC=x'));
    assert.ok(!isDnWithin('CN=x\\,OU=People,DC=x,OU=Other,DC=y', 'OU=People,DC=x'), 'escaped comma is not a boundary');
  });
});
