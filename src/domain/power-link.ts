// A node's power link as the API and enrollment rules take it.
import { z } from 'zod';
import { nameSchema } from './values.js';

/** `{ controller, port }`: `port` is a port, outlet or system id, or `auto` (looked up by MAC on snmp-poe). */
export const powerLinkInput = z.strictObject({
  controller: nameSchema,
  port: z.string().regex(/^[A-Za-z0-9._:/-]{1,64}$/, { message: 'a port, outlet or system id: 1-64 of letters, digits, . _ : / -; or auto' }),
});
/** A validated power link. */
export type PowerLinkInput = z.infer<typeof powerLinkInput>;
