// The console's side of discovery and sync (admins only): target groups (search, set), "Synchronize
// now" with progress the page polls, connector status per directory, the users with their status,
// the licence count and the adoption series. Everything goes through h12sync's PopulationService;
// each change is audited with the admin's identity.
import { Router, type Request, type RequestHandler, type Response } from 'express';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { PopulationService } from '../population/population-service.js';
import type { SyncProgress, SyncResult } from '../sync/sync-engine.js';
import { POPULATION_STATUSES } from '../../store/population-repo.js';
import type { AuditSink } from '../../log/audit.js';
import { KeyhatchError } from '../../errors/catalogue.js';
import { handle, parseBody } from '../../http/middleware.js';

interface SyncRun { startedAt: string; by: string; full: boolean; progress?: SyncProgress; result?: SyncResult; error?: { code: string; message: string } }

export function populationRoutes(population: PopulationService, audit: AuditSink, adminOnly: RequestHandler, actorOf: (res: Response) => string, now: () => number): Router {
  const r = Router();
  const runs = new Map<string, SyncRun>();
  const directory = (v: unknown): string => {
    const id = parseBody(z.string().min(1).max(64), v);
    if (!population.directories().includes(id)) throw new KeyhatchError('NOT_FOUND', { reason: `no directory ${id}` });
    return id;
  };
  const query = (req: Request) => req.query as Record<string, unknown>;

  r.get('/population/directories', adminOnly, handle(async (_req, res) => {
    res.json(await Promise.all(population.directories().map(async (id) => ({
      id, status: await population.connectorStatus(id), targets: await population.targetGroups(id), sync: runs.get(id) ?? null,
    }))));
  }));
  r.get('/population/groups', adminOnly, handle(async (req, res) => {
    const q = query(req);
    res.json(await population.searchGroups(directory(q.directory), parseBody(z.string().max(256), q.q ?? ''), 50));
  }));
  r.post('/population/targets', adminOnly, handle(async (req, res) => {
    const body = parseBody(z.strictObject({ directory: z.string().min(1).max(64), groups: z.array(z.strictObject({ groupId: z.string().min(1).max(1024), name: z.string().min(1).max(256) })).max(200) }), req.body);
    const id = directory(body.directory);
    await population.setTargetGroups(id, body.groups, actorOf(res));
    res.json(await population.targetGroups(id));
  }));
  // A sync can take minutes on a large directory: it runs in the background, the page polls.
  r.post('/population/sync', adminOnly, handle(async (req, res) => {
    const body = parseBody(z.strictObject({ directory: z.string().min(1).max(64), full: z.boolean().optional() }), req.body);
    const id = directory(body.directory);
    const running = runs.get(id);
    if (running && !running.result && !running.error) { res.status(202).json(running); return; }
    const run: SyncRun = { startedAt: new Date(now()).toISOString(), by: actorOf(res), full: body.full === true };
    runs.set(id, run);
    const correlationId = randomUUID().slice(0, 12);
    audit.write({ action: 'console.sync', actor: run.by, result: 'info', reason: 'started', correlationId, details: { directory: id, full: run.full } });
    population.syncNow(id, (p) => { run.progress = p; }, { full: run.full }).then((result) => {
      run.result = result;
      audit.write({ action: 'console.sync', actor: run.by, result: 'success', correlationId, details: { directory: id, mode: result.mode, scanned: result.scanned, written: result.written, removed: result.removed } });
    }, (err: unknown) => {
      const e = err as KeyhatchError;
      run.error = { code: e.code ?? 'INTERNAL', message: e instanceof KeyhatchError ? e.message : 'The synchronisation failed.' };
      audit.write({ action: 'console.sync', actor: run.by, result: 'failure', reason: run.error.code, correlationId, details: { directory: id } });
    });
    res.status(202).json(run);
  }));
  r.get('/population/sync', adminOnly, handle(async (req, res) => {
    res.json(runs.get(directory(query(req).directory)) ?? null);
  }));
  r.get('/population/users', adminOnly, handle(async (req, res) => {
    const q = parseBody(z.object({
      directory: z.string().max(64).optional(), status: z.enum(POPULATION_STATUSES).optional(), search: z.string().max(256).optional(),
      limit: z.coerce.number().int().min(1).max(500).optional(), offset: z.coerce.number().int().min(0).max(10_000_000).optional(),
    }), Object.fromEntries(Object.entries(query(req)).filter(([, v]) => typeof v === 'string' && v !== '')));
    res.json(await population.listUsers({
      ...(q.directory ? { directoryId: directory(q.directory) } : {}), ...(q.status ? { status: q.status } : {}), ...(q.search ? { search: q.search } : {}),
      ...(q.limit ? { limit: q.limit } : {}), ...(q.offset ? { offset: q.offset } : {}),
    }));
  }));
  r.get('/population/summary', adminOnly, handle(async (_req, res) => {
    const since = new Date(now() - 90 * 86_400_000).toISOString().slice(0, 10);
    const [counts, licence, series] = await Promise.all([population.counts(), population.licence(), population.adoptionSeries(undefined, since)]);
    res.json({ counts, licence, series });
  }));
  return r;
}
