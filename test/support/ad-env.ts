// Configuration that points the product at the test domain, as the least-privilege account.
import type { TestDomain } from './global-domain.js';
import { freshDir, rememberSecret } from './run-dir.js';
import type { AdConfig, KeyhatchConfig } from '../../daemon/src/config/schema.js';
import { validateConfig } from '../../daemon/src/config/load.js';

export function adEnv(d: TestDomain, account: 'service' | 'partial' = 'service', dataDir = freshDir('data')): Record<string, string> {
  const acct = account === 'service' ? d.seed.service : d.seed.partialService;
  rememberSecret(acct.password, d.dc.adminPassword);
  return {
    KEYHATCH_AD_URL: d.dc.ldapsUrl,
    KEYHATCH_AD_BASE_DN: d.seed.peopleOu,
    KEYHATCH_AD_BIND_DN: acct.upn,
    KEYHATCH_AD_BIND_PASSWORD: acct.password,
    KEYHATCH_AD_CA_FILE: d.dc.caFile,
    KEYHATCH_DATA_DIR: dataDir,
    KEYHATCH_LOG_LEVEL: 'debug',
  };
}

export function adConfig(d: TestDomain, overrides: Partial<AdConfig> = {}, dataDir = freshDir('data')): KeyhatchConfig {
  rememberSecret(d.seed.service.password);
  return validateConfig({
    dataDir,
    log: { level: 'debug' },
    ad: { urls: [d.dc.ldapsUrl], baseDn: d.seed.peopleOu, bindDn: d.seed.service.upn, bindPassword: d.seed.service.password, caFile: d.dc.caFile, ...overrides },
  });
}
