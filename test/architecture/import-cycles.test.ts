// No import cycle in daemon/src: neither between files nor between folders (at every depth, so
// `factors/ → store/ → factors/` counts even when no single file closes the loop). Every kind of
// dependency counts: value and type imports, re-exports, `import()` expressions and `import('x')` types.
import { describe, it } from 'mocha';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const SRC = fileURLToPath(new URL('../../daemon/src', import.meta.url));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    return e.isDirectory() ? sourceFiles(p) : e.name.endsWith('.ts') ? [p] : [];
  });
}

/** Relative module specifiers a file depends on, resolved to source paths. */
function dependencies(file: string): string[] {
  const sf = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const out: string[] = [];
  const add = (node: ts.Node | undefined) => {
    if (node && ts.isStringLiteral(node) && node.text.startsWith('.')) out.push(resolve(dirname(file), node.text.replace(/\.js$/, '.ts')));
  };
  const visit = (n: ts.Node): void => {
    if (ts.isImportDeclaration(n) || ts.isExportDeclaration(n)) add(n.moduleSpecifier);
    else if (ts.isCallExpression(n) && n.expression.kind === ts.SyntaxKind.ImportKeyword) add(n.arguments[0]);
    else if (ts.isImportTypeNode(n) && ts.isLiteralTypeNode(n.argument)) add(n.argument.literal);
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return out;
}

/** Strongly connected components with more than one node, or a node that depends on itself (Tarjan). */
export function cycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const connect = (v: string): void => {
    index.set(v, next);
    low.set(v, next);
    next++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!index.has(w)) {
        connect(w);
        low.set(v, Math.min(low.get(v) as number, low.get(w) as number));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v) as number, index.get(w) as number));
      }
    }
    if (low.get(v) !== index.get(v)) return;
    const scc: string[] = [];
    let w: string;
    do {
      w = stack.pop() as string;
      onStack.delete(w);
      scc.push(w);
    } while (w !== v);
    if (scc.length > 1 || (graph.get(v) ?? []).includes(v)) found.push(scc.sort());
  };
  for (const v of graph.keys()) if (!index.has(v)) connect(v);
  return found;
}

/** The folder graph at `depth` (1: daemon/src/<x>, 2: daemon/src/<x>/<y>, …); files above that depth are their own folder. */
function folderGraph(files: ReadonlyMap<string, readonly string[]>, depth: number): { graph: Map<string, string[]>; why: Map<string, string> } {
  const folder = (f: string) => relative(SRC, f).split('/').slice(0, -1).slice(0, depth).join('/') || '.';
  const graph = new Map<string, Set<string>>();
  const why = new Map<string, string>();
  for (const [f, deps] of files) {
    const a = folder(f);
    const edges = graph.get(a) ?? new Set<string>();
    graph.set(a, edges);
    for (const d of deps) {
      const b = folder(d);
      if (b === a) continue;
      edges.add(b);
      why.set(`${a} > ${b}`, `${relative(SRC, f)} -> ${relative(SRC, d)}`);
    }
  }
  return { graph: new Map([...graph].map(([k, v]) => [k, [...v]])), why };
}

describe('daemon/src import graph', () => {
  const files = new Map(sourceFiles(SRC).map((f) => [f, dependencies(f)]));

  it('the cycle finder finds file and folder cycles (it can fail)', () => {
    assert.deepEqual(cycles(new Map([['a', ['b']], ['b', ['c']], ['c', ['a']], ['d', ['a']]])), [['a', 'b', 'c']]);
    assert.deepEqual(cycles(new Map([['a', ['a']], ['b', []]])), [['a']]);
    assert.deepEqual(cycles(new Map([['a', ['b']], ['b', []]])), []);
    // factors/helpdesk → store/store, store/store → factors/factor: no file cycle, a folder cycle.
    const shaped = new Map([[join(SRC, 'factors/helpdesk.ts'), [join(SRC, 'store/store.ts')]], [join(SRC, 'store/store.ts'), [join(SRC, 'factors/factor.ts')]], [join(SRC, 'factors/factor.ts'), []]]);
    assert.deepEqual(cycles(shaped), []);
    assert.deepEqual(cycles(folderGraph(shaped, 1).graph), [['factors', 'store']]);
  });

  it('reads every kind of dependency', () => {
    assert.ok(files.size > 100, `${files.size} source files`);
    const of = (f: string) => (files.get(join(SRC, f)) ?? []).map((d) => relative(SRC, d));
    assert.ok(of('cli/main.ts').includes('core/core-services.ts'), 'import type and import() count');
    assert.ok(of('serve.ts').includes('roles/gateway.ts'), 'dynamic import() counts');
  });

  it('has no cycle between files', () => {
    const found = cycles(files).map((c) => c.map((f) => relative(SRC, f)).join(' ⇄ '));
    assert.deepEqual(found, [], `import cycles:\n${found.join('\n')}`);
  });

  for (const depth of [1, 2, 3]) {
    it(`has no cycle between folders (depth ${depth})`, () => {
      const { graph, why } = folderGraph(files, depth);
      const found = cycles(graph).map((c) => `${c.join(' ⇄ ')}: ${c.flatMap((a) => c.map((b) => why.get(`${a} > ${b}`))).filter(Boolean).join('; ')}`);
      assert.deepEqual(found, [], `folder cycles:\n${found.join('\n')}`);
    });
  }
});
