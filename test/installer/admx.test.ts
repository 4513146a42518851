// The Group Policy template in all five languages against the ADMX schema's structure
// (PolicyDefinitions / PolicyDefinitionResources, schemaVersion 1.0): element order and required
// attributes, categories and their parents, policies and their elements, presentations, and every
// $(string.…) / $(presentation.…) / refId reference resolving. Runs on Linux without Wine.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { LOCALES } from '../../installer/admx/definitions.js';
import { renderAll } from '../../installer/admx/render.js';
import { repoRoot } from '../native/support/wine.js';
import { child, children, descendants, parseXml, type XmlElement } from './support/xml.js';

const NS = 'http://schemas.microsoft.com/GroupPolicy/2006/07/PolicyDefinitions';
const dir = path.join(repoRoot, 'installer/admx');
const read = (rel: string): string => fs.readFileSync(path.join(dir, rel), 'utf8');
const admx = parseXml(read('Keyhatch.admx'));
const admls = new Map(LOCALES.map((l) => [l, parseXml(read(`${l}/Keyhatch.adml`))]));

const stringRef = (v: string | undefined, what: string): string => {
  const m = /^\$\(string\.([A-Za-z0-9_.-]+)\)$/.exec(v ?? '');
  assert.ok(m, `${what}: "${v}" is not a $(string.id) reference`);
  return m[1] as string;
};

/** Children appear in the schema's order (each name at most where the sequence allows). */
function assertOrder(el: XmlElement, order: string[], what: string): void {
  let last = -1;
  for (const c of el.children) {
    const at = order.indexOf(c.name);
    assert.ok(at >= 0, `${what}: <${c.name}> is not allowed in <${el.name}>`);
    assert.ok(at >= last, `${what}: <${c.name}> is out of order in <${el.name}>`);
    last = at;
  }
}

const ELEMENT_KINDS = ['boolean', 'decimal', 'text', 'enum', 'list', 'longDecimal', 'multiText'];
const CONTROL_FOR: Record<string, string[]> = {
  text: ['textBox', 'comboBox'], decimal: ['decimalTextBox'], longDecimal: ['longDecimalTextBox'], enum: ['dropdownList'],
  boolean: ['checkBox'], list: ['listBox'], multiText: ['multiTextBox'],
};

interface AdmxFacts {
  strings: Set<string>;
  presentations: Set<string>;
  /** presentation id → element id → element kind */
  elementsByPresentation: Map<string, Map<string, string>>;
}

function checkAdmx(): AdmxFacts {
  assert.equal(admx.name, 'policyDefinitions');
  assert.equal(admx.attrs.xmlns, NS);
  assert.equal(admx.attrs.schemaVersion, '1.0');
  assert.match(admx.attrs.revision ?? '', /^\d+\.\d+$/);
  assertOrder(admx, ['policyNamespaces', 'supersededAdm', 'resources', 'supportedOn', 'categories', 'policies'], 'ADMX');
  const target = child(child(admx, 'policyNamespaces'), 'target');
  assert.deepEqual([target.attrs.prefix, target.attrs.namespace], ['keyhatch', 'Keyhatch.Policies']);
  assert.match(child(admx, 'resources').attrs.minRequiredRevision ?? '', /^\d+\.\d+$/);

  const strings = new Set<string>();
  const presentations = new Set<string>();
  const definitions = new Set(children(child(child(admx, 'supportedOn'), 'definitions'), 'definition').map((d) => {
    strings.add(stringRef(d.attrs.displayName, `definition ${d.attrs.name}`));
    return d.attrs.name as string;
  }));

  const categories = new Map<string, string | undefined>();
  for (const c of children(child(admx, 'categories'), 'category')) {
    assert.ok(c.attrs.name && !categories.has(c.attrs.name), `category name missing or duplicate: ${c.attrs.name}`);
    strings.add(stringRef(c.attrs.displayName, `category ${c.attrs.name}`));
    assertOrder(c, ['parentCategory', 'seeAlso', 'keywords'], `category ${c.attrs.name}`);
    categories.set(c.attrs.name, children(c, 'parentCategory')[0]?.attrs.ref);
  }
  for (const [name, parent] of categories) {
    const seen = new Set([name]);
    for (let p = parent; p !== undefined; p = categories.get(p)) {
      assert.ok(categories.has(p), `category ${name}: parent ${p} does not exist`);
      assert.ok(!seen.has(p), `category ${name}: parent cycle`);
      seen.add(p);
    }
  }

  const elementsByPresentation = new Map<string, Map<string, string>>();
  const policyNames = new Set<string>();
  const written = new Set<string>();
  for (const p of children(child(admx, 'policies'), 'policy')) {
    const what = `policy ${p.attrs.name}`;
    assert.ok(p.attrs.name && !policyNames.has(p.attrs.name), `${what}: name missing or duplicate`);
    policyNames.add(p.attrs.name);
    assert.equal(p.attrs.class, 'Machine', `${what}: machine policies only (HKLM)`);
    strings.add(stringRef(p.attrs.displayName, what));
    strings.add(stringRef(p.attrs.explainText, what));
    assert.match(p.attrs.key ?? '', /^SOFTWARE\\Policies\\Keyhatch(\\[A-Za-z]+)?$/, `${what}: key`);
    assertOrder(p, ['parentCategory', 'seeAlso', 'keywords', 'supportedOn', 'enabledValue', 'disabledValue', 'enabledList', 'disabledList', 'elements'], what);
    assert.ok(categories.has(child(p, 'parentCategory').attrs.ref ?? ''), `${what}: unknown parent category`);
    assert.ok(definitions.has(child(p, 'supportedOn').attrs.ref ?? ''), `${what}: unknown supportedOn`);
    const elements = children(p, 'elements')[0];
    if (p.attrs.valueName) {
      written.add(`${p.attrs.key}\\${p.attrs.valueName}`);
      assert.ok(children(p, 'enabledValue').length === 1 && children(p, 'disabledValue').length === 1, `${what}: a flag policy states its enabled and disabled values`);
    }
    if (!elements) {
      assert.ok(p.attrs.valueName, `${what}: neither a valueName nor elements — it would write nothing`);
      assert.equal(p.attrs.presentation, undefined, `${what}: presentation without elements`);
      continue;
    }
    const pres = /^\$\(presentation\.([A-Za-z0-9_.-]+)\)$/.exec(p.attrs.presentation ?? '');
    assert.ok(pres, `${what}: elements need a $(presentation.id)`);
    presentations.add(pres[1] as string);
    const ids = new Map<string, string>();
    for (const e of elements.children) {
      assert.ok(ELEMENT_KINDS.includes(e.name), `${what}: <${e.name}> is not an ADMX element`);
      assert.ok(e.attrs.id && !ids.has(e.attrs.id), `${what}: element id missing or duplicate`);
      ids.set(e.attrs.id, e.name);
      assert.ok(e.attrs.valueName, `${what}/${e.attrs.id}: valueName`);
      written.add(`${e.attrs.key ?? p.attrs.key}\\${e.attrs.valueName}`);
      if (e.name === 'decimal') assert.ok(Number(e.attrs.minValue) <= Number(e.attrs.maxValue), `${what}/${e.attrs.id}: minValue > maxValue`);
      if (e.name === 'text') assert.ok(Number(e.attrs.maxLength) > 0 && Number(e.attrs.maxLength) <= 1023 * 2 + 2, `${what}/${e.attrs.id}: maxLength`);
      if (e.name === 'enum') {
        assert.ok(children(e, 'item').length >= 2, `${what}/${e.attrs.id}: an enum needs items`);
        for (const item of children(e, 'item')) {
          strings.add(stringRef(item.attrs.displayName, `${what}/${e.attrs.id} item`));
          const value = child(item, 'value');
          assert.equal(value.children.length, 1, `${what}: an item value has one of decimal/string/delete`);
          assert.ok(['decimal', 'string', 'delete', 'longDecimal'].includes(value.children[0]!.name));
        }
      }
    }
    elementsByPresentation.set(pres[1] as string, ids);
  }
  writtenValues.push(...written);
  return { strings, presentations, elementsByPresentation };
}

const writtenValues: string[] = [];

describe('Group Policy template (ADMX/ADML, 5 languages)', () => {
  const facts = checkAdmx();

  it('the committed files are what scripts/gen-admx.ts renders from installer/admx/definitions.ts', () => {
    for (const [rel, text] of renderAll()) assert.equal(read(rel), text, `${rel} is stale: run npx tsx scripts/gen-admx.ts`);
  });

  it('ADMX: namespace Keyhatch.Policies, categories with resolvable parents, machine policies with valid elements', () => {
    assert.ok(facts.strings.size > 20);
    assert.ok(writtenValues.length >= 16, `policies write ${writtenValues.length} values`);
  });

  for (const locale of LOCALES) {
    it(`ADML ${locale}: structure, every string and presentation resolves, every control refers to its policy's element`, () => {
      const adml = admls.get(locale) as XmlElement;
      assert.equal(adml.name, 'policyDefinitionResources');
      assert.equal(adml.attrs.xmlns, NS);
      assert.equal(adml.attrs.schemaVersion, '1.0');
      assertOrder(adml, ['displayName', 'description', 'annotation', 'resources'], `ADML ${locale}`);
      const resources = child(adml, 'resources');
      assertOrder(resources, ['stringTable', 'presentationTable'], `ADML ${locale} resources`);
      const strings = new Map<string, string>();
      for (const s of children(child(resources, 'stringTable'), 'string')) {
        assert.ok(s.attrs.id && !strings.has(s.attrs.id), `duplicate or missing string id ${s.attrs.id}`);
        assert.ok(s.text.trim().length > 0, `string ${s.attrs.id} is empty`);
        strings.set(s.attrs.id, s.text);
      }
      for (const id of facts.strings) assert.ok(strings.has(id), `${locale}: ADML lacks string ${id}`);
      for (const id of strings.keys()) assert.ok(facts.strings.has(id), `${locale}: string ${id} is used by nothing`);
      const presentationTable = child(resources, 'presentationTable');
      const seen = new Set<string>();
      for (const p of children(presentationTable, 'presentation')) {
        const id = p.attrs.id as string;
        assert.ok(!seen.has(id), `${locale}: duplicate presentation ${id}`);
        seen.add(id);
        const elements = facts.elementsByPresentation.get(id);
        assert.ok(elements, `${locale}: presentation ${id} belongs to no policy`);
        const used = new Set<string>();
        for (const control of p.children) {
          const kind = elements.get(control.attrs.refId ?? '');
          assert.ok(kind, `${locale}: ${id}/<${control.name} refId="${control.attrs.refId}"> refers to no element of the policy`);
          assert.ok(CONTROL_FOR[kind]?.includes(control.name), `${locale}: <${control.name}> cannot present a <${kind}> element`);
          const label = control.name === 'textBox' ? child(control, 'label').text : control.text;
          assert.ok(label.trim().length > 0, `${locale}: ${id}/${control.attrs.refId} has no label`);
          used.add(control.attrs.refId as string);
        }
        assert.deepEqual([...used].sort(), [...elements.keys()].sort(), `${locale}: presentation ${id} must show every element once`);
      }
      for (const id of facts.presentations) assert.ok(seen.has(id), `${locale}: ADML lacks presentation ${id}`);
      assert.ok(descendants(adml).every((e) => !/\$\(/.test(e.text)), `${locale}: unresolved reference text`);
    });
  }

  it('the four translations are translated (policy names differ from English)', () => {
    const names = (l: (typeof LOCALES)[number]): Map<string, string> => new Map(children(child(child(admls.get(l) as XmlElement, 'resources'), 'stringTable'), 'string').map((s) => [s.attrs.id as string, s.text]));
    const en = names('en-US');
    for (const l of LOCALES.slice(1)) {
      const other = names(l);
      const helps = [...en.keys()].filter((id) => id.endsWith('_Help'));
      const differing = helps.filter((id) => other.get(id) !== en.get(id));
      assert.equal(differing.length, helps.length, `${l}: untranslated help texts: ${helps.filter((id) => !differing.includes(id)).join(', ')}`);
    }
  });
});

export { writtenValues };
