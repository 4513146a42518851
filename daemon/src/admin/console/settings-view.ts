// Factor policy and settings as the console shows them: read-only. The configuration comes from the
// JSON file, then Group Policy, then the environment (config/load.ts), and Group Policy wins: a value
// edited here would be overwritten by the next policy refresh, or would silently fight it. The page
// says where to change each thing instead. No credential is ever part of this view.
import type { KeyhatchConfig } from '../../config/schema.js';

export function settingsView(c: KeyhatchConfig, factorTypes: readonly string[], storeKind: string): Record<string, unknown> {
  const dirs = c.directories ?? [{ name: 'default', ad: c.ad, entra: c.entra }];
  return {
    role: c.role,
    store: storeKind,
    factors: { available: factorTypes, enabled: c.recovery.enabledFactors.filter((t) => factorTypes.includes(t)) },
    policy: {
      unlock: c.recovery.unlock,
      reset: c.recovery.reset,
      groupPolicies: c.recovery.groupPolicies,
      preEnrollFromDirectory: c.recovery.preEnrollFromDirectory,
      sessionSeconds: c.recovery.sessionSeconds,
      codeSeconds: c.recovery.codeSeconds,
      codeTries: c.recovery.codeTries,
    },
    rateLimits: c.rateLimits,
    questions: { required: c.questions.required, offered: c.questions.list.length },
    console: {
      adminGroups: c.adminConsole.adminGroups,
      helpdeskGroups: c.adminConsole.helpdeskGroups,
      idleSeconds: c.adminConsole.idleSeconds,
      maxSeconds: c.adminConsole.maxSeconds,
      callerVerifiedSeconds: c.adminConsole.callerVerifiedSeconds,
      negotiate: c.adminConsole.negotiate ? { servicePrincipal: c.adminConsole.negotiate.servicePrincipal, keytabFile: c.adminConsole.negotiate.keytabFile } : null,
    },
    directories: dirs.map((d) => ({
      name: d.name,
      ...(d.ad ? { ad: { urls: d.ad.urls, baseDn: d.ad.baseDn, bindDn: d.ad.bindDn, allowPrivileged: d.ad.allowPrivileged, privilegedGroups: d.ad.privilegedGroups, resetStrategy: d.ad.resetStrategy } } : {}),
      ...(d.entra ? { entra: { tenantId: d.entra.tenantId, graphUrl: d.entra.graphUrl, allowPrivileged: d.entra.allowPrivileged } } : {}),
    })),
    mail: c.smtp ? { from: c.smtp.from } : null,
    sms: c.sms ? { provider: c.sms.provider } : null,
  };
}
