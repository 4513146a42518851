// Re-reads the effective config when Group Policy changes and reports which config paths moved.
// Registry noise (a refresh that rewrites the same values) changes nothing and is ignored.
import type { PolicySource } from './policy-source.js';

type Watchable = PolicySource & { watch?: (onChange: () => void) => { close(): void } };

/** Paths (a.b.c) whose values differ between two configs; arrays compare whole. */
export function changedPaths(a: unknown, b: unknown, prefix = ''): string[] {
  const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
  if (isObj(a) && isObj(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].flatMap((k) => changedPaths(a[k], b[k], prefix ? `${prefix}.${k}` : k));
  }
  return JSON.stringify(a) === JSON.stringify(b) ? [] : [prefix || '(root)'];
}

export function watchPolicy<C>(
  source: Watchable,
  current: C,
  load: () => Promise<C>,
  onChanged: (paths: string[]) => void,
  onError: (err: unknown) => void,
): { close(): void } {
  if (!source.watch) return { close: () => undefined };
  let busy = Promise.resolve();
  let done = false;
  const handle = source.watch(() => {
    busy = busy.then(async () => {
      if (done) return;
      try {
        const paths = changedPaths(current, await load());
        if (paths.length > 0) { done = true; handle.close(); onChanged(paths); }
      } catch (err) {
        onError(err); // invalid new policy: keep serving with the config that works
      }
    });
  });
  return { close: () => { done = true; handle.close(); } };
}
