// Preloaded (NODE_OPTIONS=--require) when the suite runs on Node 24: node_modules holds addons built
// for the default Node, so each ABI-specific one is loaded from its Node 24 build in .cache/node24/addons
// (made by scripts/node24.sh). Everything else — JS, Node-API addons — is shared.
const path = require('node:path');
const fs = require('node:fs');

const repo = path.resolve(__dirname, '..');
const addons = path.join(repo, '.cache', 'node24', 'addons');
const originalDlopen = process.dlopen;

process.dlopen = function dlopen(module, filename, ...rest) {
  const m = /[\\/]node_modules[\\/]([^\\/]+)[\\/](build[\\/].+\.node)$/.exec(filename);
  if (m) {
    const replacement = path.join(addons, m[1], m[2]);
    if (fs.existsSync(replacement)) return originalDlopen.call(this, module, replacement, ...rest);
    if (m[1] === 'better-sqlite3') throw new Error(`no Node ${process.versions.node} build of ${m[1]}: run "bash scripts/node24.sh"`);
  }
  return originalDlopen.call(this, module, filename, ...rest);
};
