// One long-lived, bound service connection to the first DC that answers (failover in the
// configured order), plus short-lived connections for binds as a user. Everything is TLS:
// ldaps://, or ldap:// upgraded with StartTLS before any bind.
import { Client } from 'ldapts';
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import type { AdConfig } from '../../config/schema.js';
import { KeyhatchError } from '../../errors/catalogue.js';
import type { Logger } from '../../log/logger.js';
import { isConnectionError, mapLdapError } from './ad-errors.js';

export interface RootDse {
  defaultNamingContext: string;
  supportedControls: Set<string>;
  dnsHostName?: string;
}

export class AdConnection {
  private readonly ca: Buffer | undefined;
  private service: Client | undefined;
  /** URL of the DC the service connection is bound to. */
  private serviceUrl = '';
  private connecting: Promise<Client> | undefined;
  /** Index of the DC that answered last; the next connect starts there. */
  private preferred = 0;
  private rootDseCache: RootDse | undefined;

  constructor(private readonly cfg: AdConfig, private readonly log: Logger) {
    this.ca = cfg.caFile ? readFileSync(cfg.caFile) : undefined;
  }

  get urls(): readonly string[] { return this.cfg.urls; }

  tlsOptions(url: string): ConnectionOptions {
    const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
    const servername = this.cfg.tlsServerName ?? (isIP(host) ? undefined : host);
    return {
      ...(this.ca ? { ca: [this.ca] } : {}),
      ...(servername ? { servername } : {}),
      minVersion: 'TLSv1.2',
      // Never disabled: there is deliberately no switch to skip certificate checks.
      rejectUnauthorized: true,
    };
  }

  /** A connected, TLS-protected, not yet bound client for one DC URL. */
  async open(url: string): Promise<Client> {
    const startTls = url.startsWith('ldap://');
    const client = new Client({
      url,
      timeout: this.cfg.timeoutMs,
      connectTimeout: this.cfg.connectTimeoutMs,
      // For ldap:// the options go to startTLS only: given here too, ldapts's upgrade is reset by the DC.
      ...(startTls ? {} : { tlsOptions: this.tlsOptions(url) }),
      strictDN: true,
    });
    if (startTls) {
      try { await client.startTLS(this.tlsOptions(url)); } catch (err) {
        await client.unbind().catch(() => undefined);
        throw err;
      }
    }
    return client;
  }

  /** Tries each DC in order (starting with the last good one) until one accepts `bind`. */
  async connectAny(bind: (c: Client) => Promise<void>, bindContext: 'bind' | 'service-bind'): Promise<{ client: Client; url: string }> {
    const n = this.cfg.urls.length;
    let lastError: unknown;
    for (let i = 0; i < n; i++) {
      const index = (this.preferred + i) % n;
      const url = this.cfg.urls[index] as string;
      let client: Client | undefined;
      try {
        client = await this.open(url);
        await bind(client);
        this.preferred = index;
        return { client, url };
      } catch (err) {
        await client?.unbind().catch(() => undefined);
        if (!isConnectionError(err)) throw mapLdapError(err, bindContext);
        lastError = err;
        this.log.warn('domain controller unreachable, trying the next one', { url, error: (err as Error).message });
      }
    }
    throw mapLdapError(lastError ?? new Error('no DC configured'), bindContext);
  }

  private async serviceClient(): Promise<Client> {
    if (this.service?.isConnected) return this.service;
    this.connecting ??= this.connectAny((c) => c.bind(this.cfg.bindDn, this.cfg.bindPassword ?? ''), 'service-bind')
      .then(({ client, url }) => {
        this.service = client;
        this.serviceUrl = url;
        this.log.debug('service connection bound', { url });
        return client;
      })
      .finally(() => { this.connecting = undefined; });
    return this.connecting;
  }

  /**
   * Runs `fn` on the shared service connection (`dc` is the URL of the DC it is bound to). A read
   * that fails because the connection broke is retried once on a fresh connection (which may be
   * another DC); a write is not, because it may have been applied.
   */
  async withService<T>(fn: (c: Client, dc?: string) => Promise<T>, kind: 'read' | 'write'): Promise<T> {
    if (!this.cfg.bindPassword) throw new KeyhatchError('CONFIG_INVALID', { message: 'ad.bindPassword is not set (KEYHATCH_AD_BIND_PASSWORD)' });
    const client = await this.serviceClient();
    try {
      return await fn(client, this.serviceUrl);
    } catch (err) {
      if (!isConnectionError(err)) throw err;
      this.dropService(client);
      if (kind === 'write') throw err;
      const again = await this.serviceClient();
      return fn(again, this.serviceUrl);
    }
  }

  /**
   * Runs `fn` as the service account on one given DC (no failover), on a connection of its own:
   * for what only that DC can tell, e.g. whether a write it took has replicated elsewhere.
   */
  async withServiceAt<T>(url: string, fn: (c: Client) => Promise<T>): Promise<T> {
    if (!this.cfg.bindPassword) throw new KeyhatchError('CONFIG_INVALID', { message: 'ad.bindPassword is not set (KEYHATCH_AD_BIND_PASSWORD)' });
    const client = await this.open(url);
    try {
      try { await client.bind(this.cfg.bindDn, this.cfg.bindPassword); } catch (err) { throw mapLdapError(err, 'service-bind'); }
      return await fn(client);
    } finally { await client.unbind().catch(() => undefined); }
  }

  private dropService(client: Client): void {
    if (this.service === client) this.service = undefined;
    void client.unbind().catch(() => undefined);
  }

  /** Binds as someone else on a connection of its own; it is always closed afterwards. */
  async withBind<T>(dnOrUpn: string, password: string, fn: (c: Client) => Promise<T>): Promise<T> {
    if (password.length === 0) throw new KeyhatchError('INVALID_CREDENTIALS', { reason: 'empty password (would be an anonymous bind)' });
    const { client } = await this.connectAny((c) => c.bind(dnOrUpn, password), 'bind');
    try { return await fn(client); } finally { await client.unbind().catch(() => undefined); }
  }

  async rootDse(): Promise<RootDse> {
    if (this.rootDseCache) return this.rootDseCache;
    const { searchEntries } = await this.withService((c) => c.search('', {
      scope: 'base', filter: '(objectClass=*)', attributes: ['defaultNamingContext', 'supportedControl', 'dnsHostName'],
    }), 'read');
    const e = searchEntries[0];
    if (!e) throw new KeyhatchError('DIRECTORY_ERROR', { reason: 'rootDSE not readable' });
    const controls = ([] as unknown[]).concat(e.supportedControl ?? []).map(String);
    this.rootDseCache = {
      defaultNamingContext: String(e.defaultNamingContext),
      supportedControls: new Set(controls),
      ...(e.dnsHostName ? { dnsHostName: String(e.dnsHostName) } : {}),
    };
    return this.rootDseCache;
  }

  async close(): Promise<void> {
    const c = this.service;
    this.service = undefined;
    await c?.unbind().catch(() => undefined);
  }
}

