// The error catalogue and docs/errors.md must describe exactly the same codes.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ERROR_CATALOGUE } from '../../daemon/src/errors/catalogue.js';
import { REPO } from '../support/cli.js';

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}

describe('error catalogue', () => {
  const doc = readFileSync(join(REPO, 'docs', 'errors.md'), 'utf8');
  const documented = [...doc.matchAll(/^### ([A-Z][A-Z0-9_]+)\s*$/gm)].map((m) => m[1] as string);
  const codes = Object.keys(ERROR_CATALOGUE);

  it('documents every code', () => {
    assert.deepEqual(codes.filter((c) => !documented.includes(c)), []);
  });
  it('documents no code that does not exist', () => {
    assert.deepEqual(documented.filter((c) => !codes.includes(c)), []);
  });
  it('every code has a status, a user-safe message and an exit code', () => {
    for (const [code, e] of Object.entries(ERROR_CATALOGUE)) {
      assert.ok(e.status >= 400 && e.status < 600, code);
      assert.ok(e.message.length > 5 && !/ldap|sAMAccount|DN\b|\bdata\b/i.test(e.message), `${code}: message must be plain`);
      assert.ok(e.exit === 1 || e.exit === 2, code);
    }
  });
  it('the daemon uses no error code outside the catalogue', () => {
    const used = new Set<string>();
    for (const f of sources(join(REPO, 'daemon', 'src'))) {
      for (const m of readFileSync(f, 'utf8').matchAll(/KeyhatchError\(\s*'([A-Z_]+)'/g)) used.add(m[1] as string);
    }
    assert.ok(used.size > 5);
    assert.deepEqual([...used].filter((c) => !codes.includes(c)), []);
  });
});
