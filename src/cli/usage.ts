// The CLI's usage error: a mistake in how a command was called (exit code 2).

/** A mistake in how the command was called; the message is one line saying what was meant. */
export class UsageError extends Error {}
