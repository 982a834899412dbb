// Secrets (SNMP communities, v3 keys, BMC passwords) in one type that never
// shows its value: not in JSON, not in util.inspect, not in a log line, not in
// a template string. Only a driver calls reveal(), right where it is used.
import { inspect } from 'node:util';
import { z } from 'zod';

/** What a secret looks like wherever it is shown. */
export const redacted = '[redacted]';

/** A secret value; shows itself as `[redacted]`. */
export class Secret {
  readonly #value: string;
  constructor(value: string) {
    this.#value = value;
  }
  /** The value itself, for the one call that needs it. */
  reveal(): string {
    return this.#value;
  }
  toJSON(): string {
    return redacted;
  }
  toString(): string {
    return redacted;
  }
  [inspect.custom](): string {
    return redacted;
  }
}

/** A secret in params: 1-256 printable characters, parsed into a Secret. */
export const secretSchema = z
  .string()
  .min(1, { message: 'must not be empty' })
  .max(256)
  .refine((s) => s !== redacted, { message: `'${redacted}' is what a stored secret shows, not a value: send the secret itself, or leave the field out to keep the stored one` })
  .transform((s) => new Secret(s));
