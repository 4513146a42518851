// Writes installer/admx/Keyhatch.admx and <locale>/Keyhatch.adml from installer/admx/definitions.ts.
// Usage: npx tsx scripts/gen-admx.ts   (test/installer/admx.test.ts fails when they are stale)
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderAll } from '../installer/admx/render.js';

const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../installer/admx');
for (const [rel, text] of renderAll()) {
  fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
  fs.writeFileSync(path.join(dir, rel), text);
  console.log(`wrote installer/admx/${rel}`);
}
