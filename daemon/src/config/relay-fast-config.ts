// A relay's configuration without the schema library, for the relay's own start path
// (cli/relay-first.ts): the layers read as always and judged by relay-config.ts's hand-written check.
// undefined when the layers are not a relay's or need the full schema — role-config.ts then decides.
import { deepFreeze, readConfigInput, type LoadOptions } from './layers.js';
import { recordLayers } from './provenance.js';
import { checkRelayConfig, type RelayConfig } from './relay-config.js';

export async function loadRelayConfigFast(opts: LoadOptions): Promise<RelayConfig | undefined> {
  const { raw, layers } = await readConfigInput(opts);
  const config = checkRelayConfig(raw);
  if (config) recordLayers(deepFreeze(config), layers);
  return config;
}
