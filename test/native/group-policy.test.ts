// The ADMX/ADML pair, docs/group-policy.md and the credential provider must agree on every
// policy value. Runs on Linux without Wine.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from './support/wine.js';

const read = (rel: string): string => fs.readFileSync(path.join(repoRoot, rel), 'utf8');
const admx = read('installer/admx/Keyhatch.admx');
const adml = read('installer/admx/en-US/Keyhatch.adml');
const doc = read('docs/group-policy.md');
const policyCpp = read('native/credential-provider/src/policy.cpp');
const policyH = read('native/credential-provider/src/policy.h');

/** Minimal well-formedness: every element closes in order (comments and the declaration skipped). */
function assertBalanced(xml: string, name: string): void {
  const stack: string[] = [];
  const body = xml.replace(/<\?[\s\S]*?\?>/g, '').replace(/<!--[\s\S]*?-->/g, '');
  for (const m of body.matchAll(/<(\/?)([A-Za-z][\w:.-]*)([^>]*?)(\/?)>/g)) {
    const [, closing, tag, , selfClosing] = m;
    if (selfClosing) continue;
    if (closing) assert.equal(stack.pop(), tag, `${name}: </${tag}> closes the wrong element`);
    else stack.push(tag!);
  }
  assert.deepEqual(stack, [], `${name}: unclosed elements`);
  assert.doesNotMatch(body.replace(/<[^>]*>/g, ''), /&(?!amp;|lt;|gt;|quot;|apos;)/, `${name}: bare & in text`);
}

describe('Group Policy template', () => {
  it('ADMX and ADML are well-formed', () => {
    assertBalanced(admx, 'Keyhatch.admx');
    assertBalanced(adml, 'Keyhatch.adml');
  });

  it('uses the Keyhatch.Policies namespace and machine policies only', () => {
    assert.match(admx, /<target prefix="keyhatch" namespace="Keyhatch.Policies" \/>/);
    const classes = [...admx.matchAll(/<policy [^>]*class="(\w+)"/g)].map((m) => m[1]);
    assert.ok(classes.length >= 5);
    assert.deepEqual([...new Set(classes)], ['Machine']);
  });

  it('every string and presentation the ADMX references exists in the ADML', () => {
    const strings = new Set([...adml.matchAll(/<string id="([^"]+)"/g)].map((m) => m[1]));
    for (const [, id] of admx.matchAll(/\$\(string\.([^)]+)\)/g)) assert.ok(strings.has(id), `ADML lacks string ${id}`);
    const presentations = new Set([...adml.matchAll(/<presentation id="([^"]+)"/g)].map((m) => m[1]));
    for (const [, id] of admx.matchAll(/\$\(presentation\.([^)]+)\)/g)) assert.ok(presentations.has(id), `ADML lacks presentation ${id}`);
    const elementIds = new Set([...admx.matchAll(/<(?:text|decimal|enum|boolean) id="([^"]+)"/g)].map((m) => m[1]));
    for (const [, ref] of adml.matchAll(/refId="([^"]+)"/g)) assert.ok(elementIds.has(ref), `ADMX has no element ${ref}`);
  });

  it('the ADMX, the DLL and the docs name the same credential provider values under the same key', () => {
    // The daemon's values (other keys) are checked against the daemon in test/installer/policy-coverage.test.ts.
    const cpPolicies = [...admx.matchAll(/<policy [^>]*key="SOFTWARE\\Policies\\Keyhatch\\CredentialProvider"[^>]*>[\s\S]*?<\/policy>/g)].map((m) => m[0]);
    assert.match(policyH, /#define KH_POLICY_KEY L"SOFTWARE\\\\Policies\\\\Keyhatch\\\\CredentialProvider"/);
    const admxValues = cpPolicies.flatMap((p) => [...p.matchAll(/valueName="([^"]+)"/g)].map((m) => m[1])).sort();
    const dllValues = [...policyCpp.matchAll(/Read(?:DwordFlag|String)\(key, L"([^"]+)"/g)].map((m) => m[1]).sort();
    assert.deepEqual(admxValues, ['ForgotPasswordText', 'Language', 'ShowForgotPassword', 'ShowUnlockAccount', 'UnlockAccountText']);
    assert.deepEqual(dllValues, admxValues);
    for (const value of admxValues) assert.match(doc, new RegExp(`\\| \`${value}\` \\|`), `docs/group-policy.md lacks ${value}`);
  });

  it('text limits in the ADMX match what the DLL accepts', () => {
    assert.match(policyH, /#define KH_POLICY_TEXT_CHARS 257/);
    for (const id of ['ForgotPasswordText', 'UnlockAccountText']) {
      assert.match(admx, new RegExp(`<text id="${id}" valueName="${id}" maxLength="256"`));
    }
  });
});
