// The one place where errors become HTTP answers. Clients get
// `{ error, message, issues? }`; stack traces stay in the log.
import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { z } from 'zod';
import { AppError, BadGatewayError, ConflictError, ForbiddenError, NotFoundError, StoreUnavailableError, TooManyRequestsError, UnauthorizedError, UnavailableError, ValidationError, VersionMismatchError, type Issue } from '../errors.js';
import type { Logger } from '../log.js';

/** Parses `value` with `schema`; ValidationError with every zod issue otherwise. */
export function parseWith<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issues: Issue[] = r.error.issues.map((i) => ({ path: i.path.map(String).join('.') || '(body)', message: i.message }));
  throw new ValidationError(`invalid ${what}: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, issues);
}

function statusOf(err: AppError): number {
  if (err instanceof ValidationError) return 400;
  if (err instanceof UnauthorizedError) return 401;
  if (err instanceof ForbiddenError) return 403;
  if (err instanceof NotFoundError) return 404;
  if (err instanceof VersionMismatchError) return 412;
  if (err instanceof ConflictError) return 409;
  if (err instanceof StoreUnavailableError) return 503;
  if (err instanceof UnavailableError) return 503;
  if (err instanceof TooManyRequestsError) return 429;
  if (err instanceof BadGatewayError) return 502;
  return 500;
}

/** 404 for routes that do not exist. */
export const notFoundRoute: RequestHandler = (req, res) => {
  res.status(404).json({ error: 'not-found', message: `not found: no route ${req.method} ${req.path}` });
};

/** Maps every error to a JSON answer. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    const e = err as { type?: string; status?: number; message?: string };
    let status = 500;
    let body: Record<string, unknown>;
    if (err instanceof AppError) {
      status = statusOf(err);
      body = { error: err.code, message: err.message, ...(err instanceof ValidationError && err.issues.length ? { issues: err.issues } : {}), ...(err instanceof BadGatewayError ? err.data : {}) };
      if (err instanceof StoreUnavailableError) res.set('Retry-After', '2');
    } else if (e.type === 'entity.too.large') {
      status = 413;
      body = { error: 'too-large', message: 'request body too large: the limit is 1 MiB' };
    } else if (e.type === 'entity.parse.failed') {
      status = 400;
      body = { error: 'invalid-json', message: 'invalid JSON body' };
    } else if (typeof e.status === 'number' && e.status >= 400 && e.status < 500) {
      status = e.status;
      body = { error: 'bad-request', message: `bad request: ${e.type ?? 'unreadable body'}` };
    } else {
      body = { error: 'internal', message: 'internal error' };
    }
    if (err instanceof StoreUnavailableError) logger.warn('request refused: store unavailable', { method: req.method, path: req.path, message: body.message });
    else if (status === 502) logger.warn('request failed upstream', { method: req.method, path: req.path, message: body.message });
    else if (status >= 500) logger.error('request failed', { method: req.method, path: req.path, err: (err as Error)?.stack ?? String(err) });
    else logger.debug('request refused', { method: req.method, path: req.path, status, message: body.message });
    if (res.headersSent) return void res.end();
    if (err instanceof TooManyRequestsError) res.set('Retry-After', String(err.retryAfterSeconds));
    res.status(status).json(body);
  };
}
