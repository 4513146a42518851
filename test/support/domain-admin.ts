// Administrator's toolbox for seeding and arranging tests on a throwaway domain (never used by the product).
import { Attribute, Change, Client } from 'ldapts';
import { readFileSync } from 'node:fs';
import type { SambaDomain } from './samba-dc.js';
import { encodeUnicodePwd } from '../../daemon/src/directory/ad/password-ops.js';
import { sidToString } from '../../daemon/src/directory/ad/sid.js';

export interface NewUser {
  name: string;
  password: string;
  ou?: string;
  displayName?: string;
  mail?: string;
  mobile?: string;
  disabled?: boolean;
  mustChange?: boolean;
  upn?: string;
}

export class DomainAdmin {
  private constructor(readonly domain: SambaDomain, private readonly client: Client) {}

  static async connect(domain: SambaDomain): Promise<DomainAdmin> {
    const client = new Client({ url: domain.ldapsUrl, tlsOptions: { ca: [readFileSync(domain.caFile)], servername: domain.hostFqdn }, timeout: 20000 });
    await client.bind(domain.adminUpn, domain.adminPassword);
    return new DomainAdmin(domain, client);
  }

  get ldap(): Client { return this.client; }

  async addOu(dn: string): Promise<void> {
    await this.client.add(dn, { objectClass: ['top', 'organizationalUnit'] });
  }

  async addGroup(dn: string, sam: string): Promise<void> {
    await this.client.add(dn, { objectClass: ['top', 'group'], sAMAccountName: sam, groupType: String(-2147483646) });
  }

  async addMember(groupDn: string, memberDn: string): Promise<void> {
    await this.client.modify(groupDn, new Change({ operation: 'add', modification: new Attribute({ type: 'member', values: [memberDn] }) }));
  }

  async addUser(u: NewUser, defaultOu: string): Promise<string> {
    const dn = `CN=${u.name},${u.ou ?? defaultOu}`;
    const attrs: Record<string, string | string[]> = {
      objectClass: ['top', 'person', 'organizationalPerson', 'user'],
      sAMAccountName: u.name,
      userPrincipalName: u.upn ?? `${u.name}@${this.domain.dnsDomain}`,
      displayName: u.displayName ?? u.name,
    };
    if (u.mail) attrs.mail = u.mail;
    if (u.mobile) attrs.mobile = u.mobile;
    await this.client.add(dn, attrs);
    await this.client.modify(dn, new Change({ operation: 'replace', modification: new Attribute({ type: 'unicodePwd', values: [encodeUnicodePwd(u.password)] }) }));
    await this.replace(dn, 'userAccountControl', String(u.disabled ? 514 : 512));
    if (u.mustChange) await this.replace(dn, 'pwdLastSet', '0');
    return dn;
  }

  async replace(dn: string, attr: string, ...values: string[]): Promise<void> {
    await this.client.modify(dn, new Change({ operation: 'replace', modification: new Attribute({ type: attr, values }) }));
  }

  async setPassword(dn: string, password: string): Promise<void> {
    await this.client.modify(dn, new Change({ operation: 'replace', modification: new Attribute({ type: 'unicodePwd', values: [encodeUnicodePwd(password)] }) }));
  }

  async sidOf(dn: string): Promise<string> {
    const { searchEntries } = await this.client.search(dn, { scope: 'base', attributes: ['objectSid'], explicitBufferAttributes: ['objectSid'] });
    return sidToString(searchEntries[0]?.objectSid as Buffer);
  }

  async read(dn: string, attributes: string[]): Promise<Record<string, unknown>> {
    const { searchEntries } = await this.client.search(dn, { scope: 'base', attributes });
    return searchEntries[0] ?? {};
  }

  /** Fails LDAP simple binds until the DC locks the account (like someone guessing at the logon screen). */
  async lockOut(userDn: string, attempts = 6): Promise<void> {
    for (let i = 0; i < attempts; i++) {
      const c = new Client({ url: this.domain.ldapsUrl, tlsOptions: { ca: [readFileSync(this.domain.caFile)], servername: this.domain.hostFqdn } });
      await c.bind(userDn, `Wrong-${i}-guess!`).catch(() => undefined);
      await c.unbind().catch(() => undefined);
    }
  }

  async close(): Promise<void> { await this.client.unbind().catch(() => undefined); }
}
