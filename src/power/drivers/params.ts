// Param pieces the driver schemas share.
import { z } from 'zod';

/** A device address: an IPv4 address, a bracketless IPv6 address or a host name. */
export const deviceHost = z.string().min(1).max(253).regex(/^([A-Za-z0-9.-]+|[0-9A-Fa-f:]+)$/, { message: 'must be an IP address or a host name' });

/** A UDP/TCP port number. */
export const devicePort = z.number().int().min(1).max(65535);

/** A per-request timeout in milliseconds. */
export const timeoutMs = (dflt: number) => z.number().int().min(100).max(600_000).default(dflt);
