// Errors of the discovery-image builder, in the AppError family.
import { AppError } from '../errors.js';

/** A build step failed (download, unpack, depmod, a missing input). */
export class ImageBuildError extends AppError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('image-build', message, options);
  }
}

/** A host tool the builder runs is not installed; names the Debian package. */
export class MissingToolError extends ImageBuildError {
  readonly tool: string;
  readonly debianPackage: string;
  constructor(tool: string, debianPackage: string) {
    super(`missing tool: '${tool}' not found (install the Debian package '${debianPackage}')`);
    this.tool = tool;
    this.debianPackage = debianPackage;
  }
}
