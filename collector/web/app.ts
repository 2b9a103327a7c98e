import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Hono, type Context } from 'hono';
import { deleteCookie, getSignedCookie, setSignedCookie } from 'hono/cookie';
import { compress } from 'hono/compress';
import { csrf } from 'hono/csrf';
import { secureHeaders } from 'hono/secure-headers';
import type { Clock } from '../../core/clock.ts';
import { resolveSecret } from '../../core/config.ts';
import type { Logger } from '../../core/log.ts';
import { TemplateSet } from '../../core/templates.ts';
import type { CollectorCliDeps } from '../commands/common.ts';
import type { CollectorConfig } from '../config.ts';
import type { Db } from '../store/db.ts';
import { checkLogin, closeSession, ensureWebTables, linkClient, LoginLimiter, openSession, sessionOf, type Session } from './accounts.ts';
import { metricsText } from './metrics.ts';
import { requestFormModel, submitWebRequest } from '../requests/web.ts';
import { archivedFile, archivePage, clientPage, deleteMessage, historyJson, jobEmail, jobPage, overviewPage, requestsPage, quarantinedMessage, quarantinedRaw, quarantinePage, releaseMessage, sitePage, statusJsonGzip, statusJsonText, type PageContext } from './pages.ts';

/** What the dashboard needs: the collector's database, config and clock, and the process env for secrets. */
export interface WebDeps {
  db: Db;
  cfg: CollectorConfig;
  clock: Clock;
  log: Logger;
  env: NodeJS.ProcessEnv;
  /** For releasing quarantined messages (moves them out of the mailbox's quarantine folder). */
  cliDeps?: CollectorCliDeps;
}

type Env = { Variables: { session: Session | null; sid: string | null } };
const COOKIE = 'syn_session';

/** The cookie-signing secret, made once and kept in the database. */
function cookieSecret(db: Db): string {
  ensureWebTables(db);
  const row = db.prepare<[], { value: string }>("SELECT value FROM web_settings WHERE key = 'cookie-secret'").get();
  if (row) return row.value;
  const value = randomBytes(32).toString('base64url');
  db.prepare("INSERT OR IGNORE INTO web_settings VALUES ('cookie-secret', ?)").run(value);
  return db.prepare<[], { value: string }>("SELECT value FROM web_settings WHERE key = 'cookie-secret'").get()!.value;
}

/** The web templates: the consultant's folder first, then the built-ins, with the digest's partials. */
export function webTemplates(cfg: CollectorConfig): TemplateSet {
  const t = new TemplateSet(cfg.templates);
  t.registerPartial('strip', 'partials/strip.html.hbs');
  t.registerPartial('chart', 'partials/chart.html.hbs');
  return t;
}

/**
 * The dashboard as a Hono app (served by server.ts). Consultant accounts see everything; a
 * client account or a client link sees only `/client` and its own jobs, and every other path is
 * the same plain 404 as a path that does not exist. State-changing forms carry the session's
 * CSRF token and are refused from another origin.
 */
export function createWebApp(deps: WebDeps): Hono<Env> {
  const { db, cfg } = deps;
  const web = cfg.web ?? { host: '127.0.0.1', port: 8470, trustProxy: false, sessionHours: 12 };
  const secret = cookieSecret(db);
  const templates = webTemplates(cfg);
  const limiter = new LoginLimiter();
  const apiToken = web.apiToken ? resolveSecret(web.apiToken, 'web.apiToken', deps.env) : null;
  const secure = !!web.tls;
  const ctx: PageContext = { db, cfg, clock: deps.clock, templates, log: deps.log, env: deps.env, cliDeps: deps.cliDeps };
  const app = new Hono<Env>();

  // Archived HTML reports open sandboxed: set after secureHeaders' own policy (this runs outside it).
  app.use('/archive/*', async (c, next) => {
    await next();
    c.res.headers.set('content-security-policy', "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:");
  });
  app.use(
    '*',
    secureHeaders({
      contentSecurityPolicy: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        // The digest's strips and badges are styled inline (they are shared with the e-mail).
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
        objectSrc: ["'none'"],
      },
      xFrameOptions: 'DENY',
      referrerPolicy: 'same-origin',
    }),
  );
  // Pages (a 3,000-job overview is about 250 KB of HTML) go out gzipped to browsers that ask.
  app.use('*', compress());
  app.use('*', csrf());
  app.use('*', async (c, next) => {
    const sid = await getSignedCookie(c, secret, COOKIE);
    c.set('sid', typeof sid === 'string' ? sid : null);
    c.set('session', typeof sid === 'string' ? sessionOf(db, sid, deps.clock.now().getTime()) : null);
    await next();
  });

  const page = (c: Context<Env>, title: string, body: string, status = 200) => {
    const s = c.get('session');
    const html = templates.render('web/layout.html.hbs', { title, body, consultant: cfg.consultant.name, user: s?.user ?? (s?.clientId ? 'client link' : null), isConsultant: !!s && s.clientId === null, csrf: s?.csrf ?? '' });
    return c.html(html, status as 200);
  };
  const notFound = (c: Context<Env>) => page(c, 'Not found', templates.render('web/not-found.html.hbs', {}), 404);
  const consultant = (c: Context<Env>) => {
    const s = c.get('session');
    return s && s.clientId === null ? s : null;
  };
  const formCsrfOk = (c: Context<Env>, body: Record<string, unknown>) => {
    const s = c.get('session');
    const sent = typeof body._csrf === 'string' ? body._csrf : '';
    return !!s && sent.length === s.csrf.length && timingSafeEqual(Buffer.from(sent), Buffer.from(s.csrf));
  };
  const addressOf = (c: Context<Env>) => {
    const forwarded = web.trustProxy ? c.req.header('x-forwarded-for')?.split(',')[0]?.trim() : undefined;
    const incoming = (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming;
    return forwarded || incoming?.socket?.remoteAddress || 'unknown';
  };
  const startSession = async (c: Context<Env>, who: { user: string | null; clientId: string | null; readOnly: boolean }) => {
    const id = openSession(db, who, deps.clock.now().getTime(), web.sessionHours);
    await setSignedCookie(c, COOKIE, id, secret, { httpOnly: true, sameSite: 'Strict', secure, path: '/', maxAge: Math.round(web.sessionHours * 3600) });
  };

  app.get('/static/web.css', (c) => c.body(readFileSync(templates.pathOf('web/web.css'), 'utf8'), 200, { 'content-type': 'text/css; charset=utf-8', 'cache-control': 'max-age=300' }));
  app.get('/static/refresh.js', (c) => c.body(readFileSync(templates.pathOf('web/refresh.js'), 'utf8'), 200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'max-age=300' }));

  app.get('/login', (c) => page(c, 'Sign in', templates.render('web/login.html.hbs', { error: null })));
  app.post('/login', async (c) => {
    const body = await c.req.parseBody();
    const name = String(body.name ?? '').slice(0, 100);
    const password = String(body.password ?? '').slice(0, 1000);
    const now = deps.clock.now().getTime();
    const keys = [`user:${name}`, `ip:${addressOf(c)}`];
    if (limiter.blocked(keys, now)) return page(c, 'Sign in', templates.render('web/login.html.hbs', { error: 'Too many failed sign-ins. Wait 15 minutes and try again.' }), 429);
    const user = await checkLogin(db, name, password);
    if (!user) {
      limiter.fail(keys, now);
      deps.log.warn({ user: name, address: keys[1] }, 'dashboard sign-in failed');
      return page(c, 'Sign in', templates.render('web/login.html.hbs', { error: 'Wrong name or password.' }), 401);
    }
    limiter.succeed(keys);
    await startSession(c, { user: user.name, clientId: user.clientId, readOnly: user.readOnly });
    return c.redirect(user.clientId === null ? '/' : '/client', 303);
  });
  app.post('/logout', async (c) => {
    const body = await c.req.parseBody();
    if (!formCsrfOk(c, body)) return notFound(c);
    const sid = c.get('sid');
    if (sid) closeSession(db, sid);
    deleteCookie(c, COOKIE, { path: '/' });
    return c.redirect('/login', 303);
  });
  // A client's read-only link: opens a session for that client alone, then drops the token from the URL.
  app.get('/l/:token', async (c) => {
    const clientId = linkClient(db, c.req.param('token'));
    if (!clientId) return notFound(c);
    await startSession(c, { user: null, clientId, readOnly: true });
    return c.redirect('/client', 303);
  });

  app.get('/', (c) => {
    const s = c.get('session');
    if (!s) return c.redirect('/login', 303);
    if (s.clientId !== null) return c.redirect('/client', 303);
    return page(c, 'Overview', overviewPage(ctx, { client: c.req.query('client'), state: c.req.query('state'), tool: c.req.query('tool'), q: c.req.query('q') }));
  });
  app.get('/jobs/:site/:job', (c) => {
    const s = c.get('session');
    if (!s) return c.redirect('/login', 303);
    const body = jobPage(ctx, c.req.param('site'), c.req.param('job'), s);
    return body === null ? notFound(c) : page(c, 'Job', body);
  });
  app.get('/jobs/:site/:job/runs/:run/email', (c) => {
    const s = c.get('session');
    const raw = s ? jobEmail(ctx, c.req.param('site'), c.req.param('job'), c.req.param('run'), s) : null;
    if (!raw) return notFound(c);
    const download = c.req.query('download') === '1';
    return c.body(new Uint8Array(raw), 200, {
      'content-type': download ? 'message/rfc822' : 'text/plain; charset=utf-8',
      ...(download ? { 'content-disposition': `attachment; filename="run-${c.req.param('run').replace(/[^\w.-]/g, '')}.eml"` } : {}),
    });
  });
  app.get('/client', (c) => {
    const s = c.get('session');
    if (!s) return c.redirect('/login', 303);
    if (s.clientId === null) return c.redirect('/', 303);
    return page(c, 'Your backups', clientPage(ctx, s.clientId, requestFormModel(db, cfg, s.clientId, s)));
  });
  // A client account asks for a restore or a backup: queued for the consultant (collector/requests).
  app.post('/client/requests', async (c) => {
    const s = c.get('session');
    const body = await c.req.parseBody();
    if (!s || s.clientId === null || s.readOnly || !formCsrfOk(c, body)) return notFound(c);
    const requestMessage = submitWebRequest(db, cfg, s.clientId, s.user ?? 'client', body, deps.clock.now());
    return page(c, 'Your backups', clientPage(ctx, s.clientId, { ...requestFormModel(db, cfg, s.clientId, s), requestMessage }));
  });
  app.get('/quarantine', (c) => (consultant(c) ? page(c, 'Quarantine', quarantinePage(ctx, consultant(c)!, null)) : notFound(c)));
  app.post('/quarantine/:id/release', async (c) => {
    const s = consultant(c);
    const body = await c.req.parseBody();
    if (!s || s.readOnly || !formCsrfOk(c, body)) return notFound(c);
    const message = await releaseMessage(ctx, c.req.param('id'));
    return page(c, 'Quarantine', quarantinePage(ctx, s, message));
  });

  // A held message as it arrived (headers and all), as text: shown, never rendered.
  app.get('/quarantine/:id/email', (c) => {
    const raw = consultant(c) ? quarantinedRaw(ctx, c.req.param('id')) : null;
    return raw ? c.body(new Uint8Array(raw), 200, { 'content-type': 'text/plain; charset=utf-8' }) : notFound(c);
  });
  app.get('/quarantine/:id/delete', (c) => {
    const s = consultant(c);
    const m = s && !s.readOnly ? quarantinedMessage(ctx, c.req.param('id')) : null;
    return s && m ? page(c, 'Delete a message', templates.render('web/delete.html.hbs', { m, csrf: s.csrf })) : notFound(c);
  });
  app.post('/quarantine/:id/delete', async (c) => {
    const s = consultant(c);
    const body = await c.req.parseBody();
    if (!s || s.readOnly || !formCsrfOk(c, body)) return notFound(c);
    return page(c, 'Quarantine', quarantinePage(ctx, s, deleteMessage(ctx, c.req.param('id'))));
  });
  app.get('/sites/:site', (c) => {
    const body = consultant(c) ? sitePage(ctx, c.req.param('site')) : null;
    return body === null ? notFound(c) : page(c, 'Site', body);
  });
  // Client requests and remote commands: the consultant's alone (a client gets the plain 404).
  app.get('/requests', (c) => (consultant(c) ? page(c, 'Requests', requestsPage(ctx)) : notFound(c)));
  app.get('/archive', (c) => (consultant(c) ? page(c, 'Report archive', archivePage(ctx)) : notFound(c)));
  app.get('/archive/:seq', (c) => {
    const f = consultant(c) ? archivedFile(ctx, c.req.param('seq')) : null;
    if (!f) return notFound(c);
    const download = c.req.query('download') === '1';
    return c.body(new Uint8Array(f.bytes), 200, { 'content-type': f.type, ...(download ? { 'content-disposition': `attachment; filename="${f.name}"` } : {}) });
  });

  const bearerOk = (c: Context<Env>) => {
    const sent = /^Bearer (.+)$/.exec(c.req.header('authorization') ?? '')?.[1] ?? '';
    return apiToken !== null && sent.length === apiToken.length && timingSafeEqual(Buffer.from(sent), Buffer.from(apiToken));
  };
  const unauthorized = (c: Context<Env>) => c.json({ error: apiToken === null ? 'the API is closed: set web.apiToken in the config' : 'a valid bearer token is required' }, 401, { 'www-authenticate': 'Bearer' });
  app.get('/api/v1/status', (c) => {
    if (!bearerOk(c)) return unauthorized(c);
    // The status of 3,000 jobs is about 3.6 MB of JSON: it is gzipped once per change, not per request.
    if (/\bgzip\b/.test(c.req.header('accept-encoding') ?? '')) return c.body(new Uint8Array(statusJsonGzip(ctx)), 200, { 'content-type': 'application/json; charset=utf-8', 'content-encoding': 'gzip', vary: 'Accept-Encoding' });
    return c.body(statusJsonText(ctx), 200, { 'content-type': 'application/json; charset=utf-8', vary: 'Accept-Encoding' });
  });
  app.get('/api/v1/jobs/:site/:job/history', (c) => {
    if (!bearerOk(c)) return unauthorized(c);
    const h = historyJson(ctx, c.req.param('site'), c.req.param('job'), Number(c.req.query('limit') ?? 50));
    return h ? c.json(h) : c.json({ error: 'no such job' }, 404);
  });
  app.get('/metrics', async (c) => (bearerOk(c) ? c.body(await metricsText(ctx), 200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }) : unauthorized(c)));

  app.notFound((c) => notFound(c));
  app.onError((e, c) => {
    deps.log.error({ err: e }, 'dashboard request failed');
    return page(c, 'Error', templates.render('web/not-found.html.hbs', { error: true }), 500);
  });
  return app;
}
