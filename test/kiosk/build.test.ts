// The build: small bundles, no inline script or style anywhere (the daemon's CSP forbids them),
// relative asset paths (served under /kiosk/, /portal/ and /caller-check/), locales copied, Electron files built.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildKioskUi } from '../../kiosk-ui/build.js';
import { freshDir } from '../support/run-dir.js';

describe('kiosk-ui build', function () {
  this.timeout(60_000);
  let dist = '';
  let sizes: Record<string, number> = {};
  before(async () => { dist = freshDir('kiosk-build'); sizes = await buildKioskUi(dist); });

  it('keeps each page small (kiosk app.js < 40 KiB, portal < 40 KiB, CSS < 10 KiB)', () => {
    assert.ok(sizes['kiosk/app.js']! < 40 * 1024, `kiosk ${sizes['kiosk/app.js']}`);
    assert.ok(sizes['portal/app.js']! < 40 * 1024, `portal ${sizes['portal/app.js']}`);
    assert.ok(sizes['kiosk/app.css']! < 10 * 1024);
  });

  for (const page of ['kiosk', 'portal', 'caller-check']) {
    it(`${page}: HTML has no inline script, style or event handler; assets are relative`, () => {
      const html = readFileSync(join(dist, page, 'index.html'), 'utf8');
      assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/i, 'inline <script>');
      assert.doesNotMatch(html, /<style/i);
      assert.doesNotMatch(html, /\sstyle=/i);
      assert.doesNotMatch(html, /\son[a-z]+=/i);
      assert.match(html, /<script type="module" src="app\.js"><\/script>/);
      assert.match(html, /<link rel="stylesheet" href="app\.css">/);
      for (const l of ['en', 'de', 'fr', 'es', 'nl']) assert.ok(existsSync(join(dist, page, 'locales', `${l}.json`)), l);
      const js = readFileSync(join(dist, page, 'app.js'), 'utf8');
      assert.doesNotMatch(js, /\beval\(|new Function\(|\.innerHTML\s*=|insertAdjacentHTML|document\.write/, 'no string-to-code or HTML injection sinks');
      assert.doesNotMatch(js, /\.style\.[a-z]+\s*=|setAttribute\("style"/i, 'no inline styles set from script');
    });
  }

  it('builds the Electron main (ESM) and the sandboxed preload (CommonJS) with electron external', () => {
    const main = readFileSync(join(dist, 'electron', 'kiosk.main.mjs'), 'utf8');
    const preload = readFileSync(join(dist, 'electron', 'kiosk.preload.cjs'), 'utf8');
    assert.match(main, /from "electron"/);
    assert.match(preload, /require\("electron"\)/);
    assert.match(preload, /exposeInMainWorld/);
    assert.doesNotMatch(preload, /KEYHATCH_KIOSK_SECRET/, 'the preload never sees the secret');
  });
});
