// Where the built kiosk and portal live: kiosk-ui/dist at the package root, whether this runs from
// source (tsx) or from dist/. Plain node modules only, so the relay can use it too.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const DEFAULT_UI_DIR = ((): string => {
  let dir = fileURLToPath(new URL('.', import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'kiosk-ui'))) return join(dir, 'kiosk-ui', 'dist');
    dir = join(dir, '..');
  }
  return fileURLToPath(new URL('../../../kiosk-ui/dist', import.meta.url));
})();
