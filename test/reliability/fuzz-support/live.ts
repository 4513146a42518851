// Live ids and tokens for the fuzz: recovery sessions in each state (verified, started, for an
// unknown name), enrollment bearer tokens and pending factor ids — made through the API itself and
// replaced when a case used one up, so path parameters keep reaching the handlers' logic.
import type { Endpoint, FuzzContext } from './http-fuzz.js';
import { ALICE_MAIL, type FakeMailer } from './env.js';
import type { FakeDirectory } from './fake-directory.js';
import { rememberSecret } from '../../support/run-dir.js';
import { send, type Target } from './wire.js';

export interface ApiClient {
  readonly target: Target;
  readonly host: string;
  readonly kioskSecret?: string;
}

export async function call(c: ApiClient, method: string, path: string, body?: unknown, extra: Record<string, string> = {}): Promise<{ status: number; body: any }> {
  const headers: Array<[string, string]> = [['Host', c.host], ...(c.kioskSecret ? [['X-Keyhatch-Kiosk', c.kioskSecret] as [string, string]] : []), ...Object.entries(extra)];
  const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  if (data) headers.push(['Content-Type', 'application/json']);
  const r = await send(c.target, { method, path, headers, ...(data ? { body: data } : {}) });
  let parsed: unknown;
  try { parsed = JSON.parse(r.text); } catch { parsed = r.text; }
  return { status: r.status, body: parsed };
}

const SLOTS = 4;

export class LivePool {
  private readonly values = new Map<string, Promise<string>>();

  constructor(
    private readonly recoveryApi: ApiClient | undefined,
    private readonly portalApi: ApiClient | undefined,
    private readonly mailer: FakeMailer,
    private readonly directory: FakeDirectory,
    /** Other kinds of live value (join tokens on a gateway). */
    private readonly makers: Record<string, () => Promise<string>> = {},
  ) {}

  live(kind: string, index: number): Promise<string> {
    const key = `${kind}:${index % SLOTS}`;
    let v = this.values.get(key);
    if (!v) {
      v = this.make(kind, index % SLOTS);
      v.catch(() => this.values.delete(key));
      this.values.set(key, v);
    }
    return v;
  }

  /** Ids a case may have ended: on success of an ending call, or when the answer says it is gone. */
  consumed(kind: string, index: number, ep: Endpoint, status: number, code: string | undefined): void {
    const ends = /\/(cancel|reset|logout)$/.test(ep.path) || ep.method === 'DELETE' || /\/confirm$/.test(ep.path);
    if (kind === 'join-token') { if (status < 300 || code === 'JOIN_TOKEN_INVALID' || code === 'BAD_REQUEST') this.values.delete(`${kind}:${index % SLOTS}`); return; }
    const gone = code === 'SESSION_EXPIRED' || code === 'NOT_FOUND' || (kind === 'bearer' && code === 'UNAUTHORIZED') || code === 'NOT_VERIFIED';
    if ((ends && status < 300) || gone || code === 'RATE_LIMITED') this.values.delete(`${kind}:${index % SLOTS}`);
  }

  context(): Pick<FuzzContext, 'live' | 'consumed'> {
    return { live: (k, i) => this.live(k, i), consumed: (k, i, ep, s, c) => this.consumed(k, i, ep, s, c) };
  }

  /** Made with every dependency healthy; a rate gate that is still closed opens within its one-second window. */
  private async make(kind: string, slot: number): Promise<string> {
    for (let attempt = 1; ; attempt++) {
      try { return await this.makeOnce(kind, slot); } catch (err) {
        if (attempt >= 5) throw err;
        await new Promise((r) => setTimeout(r, 1100));
      }
    }
  }

  private async makeOnce(kind: string, slot: number): Promise<string> {
    const maker = this.makers[kind];
    if (maker) return maker();
    if (kind === 'file') return ['index.html', 'assets/app.js', '', 'assets/'][slot] as string;
    if (kind === 'recovery') return this.recovery(slot);
    if (kind === 'bearer') return this.bearer();
    if (kind === 'factor') return this.factor();
    throw new Error(`no live values of kind ${kind}`);
  }

  /** Slot 0 and 3: verified; 1: started; 2: started for a name that does not exist. */
  private async recovery(slot: number): Promise<string> {
    const api = this.recoveryApi;
    if (!api) return 'no-recovery-api-here';
    const start = await call(api, 'POST', '/api/v1/recovery', { username: slot === 2 ? 'nobody-at-all' : 'alice' });
    if (start.status !== 201) throw new Error(`could not start a recovery: ${start.status} ${JSON.stringify(start.body)}`);
    const id = start.body.recoveryId as string;
    if (slot === 1 || slot === 2) return id;
    const email = (start.body.factors as Array<{ id: string; type: string }>).find((f) => f.type === 'email');
    if (!email) throw new Error('alice has no e-mail factor on offer');
    const ch = await call(api, 'POST', `/api/v1/recovery/${id}/challenge`, { factor: email.id, contact: ALICE_MAIL });
    if (ch.status !== 200) throw new Error(`challenge failed: ${ch.status} ${JSON.stringify(ch.body)}`);
    const code = this.mailer.lastCode(ALICE_MAIL);
    if (!code) throw new Error('no code was mailed');
    const v = await call(api, 'POST', `/api/v1/recovery/${id}/verify`, { factor: email.id, response: code });
    if (v.status !== 200) throw new Error(`verify failed: ${v.status} ${JSON.stringify(v.body)}`);
    return id;
  }

  private async bearer(): Promise<string> {
    const api = this.portalApi;
    if (!api) return 'A'.repeat(43);
    const login = await call(api, 'POST', '/api/v1/enrollment/login', { username: 'alice', password: this.directory.passwordOf('alice') });
    if (login.status !== 200) throw new Error(`login failed: ${login.status} ${JSON.stringify(login.body)}`);
    rememberSecret(login.body.token as string);
    return login.body.token as string;
  }

  /** A pending e-mail factor of alice (confirm and delete reach their logic). */
  private async factor(): Promise<string> {
    const api = this.portalApi;
    if (!api) return '00000000-0000-4000-8000-000000000000';
    const token = await this.live('bearer', 0);
    const added = await call(api, 'POST', '/api/v1/enrollment/factors/email', { address: `alice+${Date.now()}@mail.fuzz.test` }, { Authorization: `Bearer ${token}` });
    if (added.status !== 201) {
      this.values.delete('bearer:0');
      throw new Error(`could not add a factor: ${added.status} ${JSON.stringify(added.body)}`);
    }
    return added.body.factorId as string;
  }
}
