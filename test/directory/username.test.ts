import assert from 'node:assert/strict';
import { parseUsername } from '../../daemon/src/directory/username.js';
import { KeyhatchError } from '../../daemon/src/errors/catalogue.js';

describe('username parsing', () => {
  it('accepts the three forms', () => {
    assert.deepEqual(parseUsername('alice'), { kind: 'sam', sam: 'alice' });
    assert.deepEqual(parseUsername('corp\\alice'), { kind: 'sam', sam: 'alice', domain: 'CORP' });
    assert.deepEqual(parseUsername(' alice@Corp.Example.com '), { kind: 'upn', upn: 'alice@Corp.Example.com', local: 'alice', suffix: 'corp.example.com' });
  });
  it('allows parentheses (legal in sAMAccountName; escaped in filters)', () => {
    assert.deepEqual(parseUsername('a)(b'), { kind: 'sam', sam: 'a)(b' });
  });
  it('normalises to NFC', () => {
    const p = parseUsername('rene\u0301');
    assert.equal(p.kind === 'sam' && p.sam, 'ren\u00e9');
  });
  it('rejects wildcards, filter syntax, control characters, overlong and empty input with INVALID_USERNAME', () => {
    for (const bad of ['', '   ', '*', 'a*', 'x=y', 'a,b', 'al\u0000ice', 'tab\there', 'x'.repeat(257), 'dom\\', '\\alice', 'bad dom\\x', '@example.com', 'a@nodot', 'a@b.c(d', 'name.', 42, null, undefined, {}]) {
      assert.throws(() => parseUsername(bad), (e: KeyhatchError) => e.code === 'INVALID_USERNAME', JSON.stringify(bad));
    }
  });
});
