// The AppError family: every failure bootherd reports on purpose. Each protocol
// adapter (HTTP, TFTP, CLI) maps these to its own answer in exactly one place.

/** Base class: `code` is stable and machine-readable, `message` is `what: why`. */
export class AppError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** One problem with an input, as `path: message`. */
export interface Issue {
  path: string;
  message: string;
}

/** Bad input from a client or operator (HTTP 400). */
export class ValidationError extends AppError {
  readonly issues: Issue[];
  constructor(message: string, issues: Issue[] = []) {
    super('invalid', message);
    this.issues = issues;
  }
}

/** A thing that was asked for does not exist (HTTP 404). */
export class NotFoundError extends AppError {
  constructor(message: string) {
    super('not-found', message);
  }
}

/** The request conflicts with the current state of a record (HTTP 409). */
export class ConflictError extends AppError {
  constructor(message: string, code = 'conflict') {
    super(code, message);
  }
}

/** A lifecycle event that the node's current state does not accept (HTTP 409). */
export class InvalidTransitionError extends ConflictError {
  readonly state: string;
  readonly event: string;
  constructor(state: string, event: string, hint?: string) {
    super(`invalid transition: state '${state}' does not accept event '${event}'${hint ? `: ${hint}` : ''}`, 'invalid-transition');
    this.state = state;
    this.event = event;
  }
}

/** A compare-and-set lost against a newer version (HTTP 412). */
export class VersionMismatchError extends AppError {
  readonly current: number;
  constructor(current: number, expected: number) {
    super('version-mismatch', `version mismatch: node is at version ${current}, request expected ${expected}`);
    this.current = current;
  }
}

/** A request refused for now because of a limit (HTTP 429, Retry-After). */
export class TooManyRequestsError extends AppError {
  readonly retryAfterSeconds: number;
  constructor(message: string, retryAfterSeconds: number, code = 'too-many-requests') {
    super(code, message);
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** No or bad credentials (HTTP 401). */
export class UnauthorizedError extends AppError {
  constructor(message = 'unauthorized: a valid bearer token is required') {
    super('unauthorized', message);
  }
}

/** Credentials that are valid but not for this resource (HTTP 403). */
export class ForbiddenError extends AppError {
  constructor(message: string) {
    super('forbidden', message);
  }
}

/** bootherd is at a limit it sets itself and refuses more for now (HTTP 503). */
export class UnavailableError extends AppError {
  constructor(message: string, code = 'unavailable') {
    super(code, message);
  }
}

/** A storage failure, already translated from the database's own error. */
export class StoreError extends AppError {
  constructor(message: string, options?: { cause?: unknown }, code = 'store') {
    super(code, message, options);
  }
}

/** The database cannot be reached right now (HTTP 503); nothing was half-written, and requests succeed again once it is back. */
export class StoreUnavailableError extends StoreError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options, 'store-unavailable');
  }
}

/** A configuration problem found at start; every problem is listed. */
export class ConfigError extends AppError {
  readonly issues: Issue[];
  constructor(issues: Issue[]) {
    super('config', `invalid configuration:\n${issues.map((i) => `  ${i.path}: ${i.message}`).join('\n')}`);
    this.issues = issues;
  }
}

/** An external program that could not run: not installed, killed, or past its timeout. */
export class ProgramError extends AppError {
  readonly kind: 'missing' | 'spawn' | 'timeout' | 'killed';
  readonly program: string;
  constructor(kind: ProgramError['kind'], program: string, message: string, options?: { cause?: unknown }) {
    super(`program-${kind}`, message, options);
    this.kind = kind;
    this.program = program;
  }
}

/** A device or service bootherd asked on the caller's behalf refused or did not answer (HTTP 502); the message says what it said. */
export class BadGatewayError extends AppError {
  readonly data: Record<string, unknown>;
  constructor(message: string, code = 'bad-gateway', data: Record<string, unknown> = {}) {
    super(code, message);
    this.data = data;
  }
}
