// What a bundle of the relay's start path (daemon/src/cli/relay-first.ts) must never contain: no npm
// package, none of the gateway's layers, not the config schema, not the rest of the CLI — the relay
// starts on every workstation at boot (test/roles/relay-light.test.ts checks the same for the sources).
// Used by both bundles of that path: the npm form's (scripts/bundle-relay.ts) and the MSI's
// (scripts/msi/bundle-daemon.ts).
import type { Metafile } from 'esbuild';

const NOT_IN_RELAY = /(^|\/)node_modules\/|daemon\/src\/(directory|store|recovery|factors|notify|gateway|core|admin|enrollment|password)\/|daemon\/src\/config\/(schema|load)\.ts$|daemon\/src\/cli\/main\.ts$/;

/** Throws, naming the intruders, when the bundle's inputs reach what the relay must not load. */
export function assertRelayOnly(metafile: Metafile | undefined, bundle: string): void {
  if (!metafile) throw new Error(`${bundle}: no metafile (build with metafile: true)`);
  const intruders = Object.keys(metafile.inputs).filter((f) => NOT_IN_RELAY.test(f));
  if (intruders.length > 0) throw new Error(`${bundle}: the relay's bundle must not contain ${intruders.join(', ')} (a static import on the relay's path?)`);
}
