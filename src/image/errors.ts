// Errors of the discovery-image builder, in the AppError family.
import { AppError } from '../errors.js';

/** A build step failed (download, unpack, depmod, a missing input). */
export class ImageBuildError extends AppError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('image-build', message, options);
  }
}

/** A host tool the builder runs is not installed (now shared: src/errors.ts). */
export { MissingToolError } from '../errors.js';
