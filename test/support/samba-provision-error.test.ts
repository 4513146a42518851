// The Samba fixture's provisioning error must name what is missing and the command that installs it.
import assert from 'node:assert/strict';
import { explainProvisionFailure } from './samba-provision-error.js';

// samba-tool 4.17's output on Debian 12 without samba-ad-provision (the package is only a Recommends),
// captured with /usr/share/samba/setup hidden by an empty bind mount.
const MISSING_PROVISION_DATA = [
  'INFO 2026-12-02 01:36:40,477 pid:31664 /usr/lib/python3/dist-packages/samba/provision/__init__.py #2113: Looking up IPv4 addresses',
  'WARNING 2026-12-02 01:36:40,478 pid:31664 /usr/lib/python3/dist-packages/samba/provision/__init__.py #2123: No IPv4 address will be assigned',
  'ERROR(exception): uncaught exception - File [/usr/share/samba/setup/ad-schema/AD_DS_Attributes__Windows_Server_2012_R2.ldf] not found. ' +
    'Please install samba-ad-provision package',
  '  File "/usr/lib/python3/dist-packages/samba/netcmd/__init__.py", line 185, in _run',
  '    return self.run(*args, **kwargs)',
].join('\n');

describe('Samba fixture: provisioning failure message', () => {
  it('names the missing package and file and says which script installs it', () => {
    const f = explainProvisionFailure(MISSING_PROVISION_DATA);
    assert.equal(f.missingPackage, 'samba-ad-provision');
    assert.equal(f.missingFile, '/usr/share/samba/setup/ad-schema/AD_DS_Attributes__Windows_Server_2012_R2.ldf');
    assert.match(f.message, /missing package samba-ad-provision \(file \/usr\/share\/samba\/setup\/ad-schema\/AD_DS_Attributes__Windows_Server_2012_R2\.ldf not found\)/);
    assert.match(f.message, /run: bash scripts\/install-system-deps\.sh ad/);
  });

  it('names a missing file even when no package is suggested', () => {
    const f = explainProvisionFailure('ERROR: File [/usr/share/samba/setup/ad-schema/x.txt] not found');
    assert.equal(f.missingPackage, undefined);
    assert.equal(f.missingFile, '/usr/share/samba/setup/ad-schema/x.txt');
    assert.match(f.message, /missing file \/usr\/share\/samba\/setup\/ad-schema\/x\.txt/);
  });

  it('falls back to samba-tool\'s own last lines for other failures, still with the install hint', () => {
    const f = explainProvisionFailure('ERROR(ldb): uncaught exception - operations error at ../dsdb/samdb/ldb_modules/x.c:12\n');
    assert.equal(f.missingPackage, undefined);
    assert.equal(f.missingFile, undefined);
    assert.match(f.message, /see samba-tool output below/);
    assert.match(f.message, /operations error at/);
    assert.match(f.message, /install-system-deps\.sh ad/);
  });
});
