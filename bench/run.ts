// `npm run bench`: every benchmark, each against its own raw baseline in the same run.
// Results are printed and written to bench/results/latest.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { runAdEngineBench } from './ad-engine.bench.js';
import { runRecoveryApiBench } from './recovery-api.bench.js';
import { runKioskBench } from './kiosk.bench.js';
import { runRelayBench } from './relay.bench.js';
import { runDiscoveryBench } from './discovery.bench.js';
import { runLoadBench } from './load.bench.js';
import { runRelayFlowBench } from './relay-flow.bench.js';
import { runWineLaunchBench } from './wine-launch.bench.js';

const only = process.argv.slice(2);
const benches: Record<string, () => Promise<Record<string, unknown>>> = {
  'ad-engine': runAdEngineBench,
  'recovery-api': runRecoveryApiBench,
  kiosk: runKioskBench,
  relay: runRelayBench,
  discovery: runDiscoveryBench,
  load: runLoadBench,
  'relay-flow': runRelayFlowBench,
  'wine-launch': runWineLaunchBench,
};

const results: Record<string, unknown> = { at: new Date().toISOString(), node: process.version };
for (const [name, run] of Object.entries(benches)) {
  if (only.length > 0 && !only.includes(name)) continue;
  results[name] = await run();
}
mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/latest.json', JSON.stringify(results, null, 2));
console.log('\nwritten: bench/results/latest.json');
process.exit(0);
