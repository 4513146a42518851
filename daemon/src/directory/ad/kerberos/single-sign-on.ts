// AD's Negotiate single sign-on: the keytab's AES keys for the gateway's HTTP service principal,
// which must be in the domain's own realm; an accepted client becomes `REALM\name`, which findUser
// resolves in this domain only (a principal of any other realm never reaches the directory).
import { KeyhatchError } from '../../../errors/catalogue.js';
import type { ReplayCache, SingleSignOn, SingleSignOnSettings } from '../../directory.js';
import { KerberosAcceptor, parseServicePrincipal } from './acceptor.js';
import { loadKeytab } from './keytab.js';

const KEY = 'adminConsole.negotiate';

export function adSingleSignOn(settings: SingleSignOnSettings, domainRealm: string, replay: ReplayCache, now: () => number): SingleSignOn {
  let spn;
  try { spn = parseServicePrincipal(settings.servicePrincipal); } catch (err) {
    throw new KeyhatchError('CONFIG_INVALID', { message: `invalid configuration: ${KEY}.servicePrincipal: ${(err as Error).message}` });
  }
  if (spn.realm !== domainRealm.toUpperCase()) {
    throw new KeyhatchError('CONFIG_INVALID', { message: `invalid configuration: ${KEY}.servicePrincipal: realm ${spn.realm} is not the directory's (${domainRealm.toUpperCase()})` });
  }
  const acceptor = new KerberosAcceptor({ spn, keytab: loadKeytab(settings.keytabFile, `${KEY}.keytabFile`), replay, now });
  const keys = acceptor.serviceKeys();
  if (keys.length === 0) {
    throw new KeyhatchError('CONFIG_INVALID', {
      message: `invalid configuration: ${KEY}.keytabFile: no AES key (etype 17 or 18) for ${settings.servicePrincipal} (set msDS-SupportedEncryptionTypes=24 on the service account and export the keytab again)`,
    });
  }
  return {
    describe: `${settings.servicePrincipal}: ${keys.map((k) => `etype ${k.etype} kvno ${k.kvno}`).join(', ')}`,
    async accept(token) {
      const c = await acceptor.accept(token);
      return { username: `${c.realm}\\${c.name}`, principal: `${c.name}@${c.realm}` };
    },
  };
}
