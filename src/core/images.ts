// Images as a use case: what is stored must point at what exists (boot and
// root dirs, a disk file), and an image a node uses cannot be deleted.
import { stat } from 'node:fs/promises';
import { ConfigError, ConflictError, ValidationError, type Issue } from '../errors.js';
import type { Image, ImageInput } from '../domain/images.js';
import type { Node } from '../domain/node.js';
import type { Store } from '../store/store.js';

/** The image names a node depends on: its target's, its install's `then`, its root's. */
export function imagesOf(n: Node): string[] {
  const t = n.target;
  const names = [t && 'image' in t ? t.image : undefined, t?.kind === 'install' && t.then.kind !== 'local' ? t.then.image : undefined, n.root?.image];
  return names.filter((x): x is string => Boolean(x));
}

async function kindOf(p: string): Promise<'dir' | 'file' | null> {
  const st = await stat(p).catch(() => null);
  return st ? (st.isDirectory() ? 'dir' : st.isFile() ? 'file' : null) : null;
}

/** Creates the image service. */
export function createImageService(deps: { store: Store; now: () => Date }) {
  async function check(input: ImageInput): Promise<void> {
    const issues: Issue[] = [];
    if (input.bootDir && (await kindOf(input.bootDir)) !== 'dir') issues.push({ path: 'bootDir', message: `${input.bootDir} does not exist or is not a directory` });
    if (input.rootDir && (await kindOf(input.rootDir)) !== 'dir') issues.push({ path: 'rootDir', message: `${input.rootDir} does not exist or is not a directory` });
    if (input.disk?.path && (await kindOf(input.disk.path)) !== 'file') issues.push({ path: 'disk.path', message: `${input.disk.path} does not exist or is not a file` });
    if (issues.length) throw new ValidationError(`invalid image: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, issues);
  }

  return {
    /** Stores an image after checking that the dirs and files it names exist. */
    async put(name: string, input: ImageInput): Promise<Image> {
      await check(input);
      return deps.store.putImage(name, input, deps.now().toISOString());
    },
    /** Stores the config file's images at start; ConfigError listing every problem as `images.<name>.<field>`. */
    async seed(images: Record<string, ImageInput>): Promise<void> {
      const issues: Issue[] = [];
      for (const [name, input] of Object.entries(images)) {
        try {
          await check(input);
        } catch (err) {
          if (!(err instanceof ValidationError)) throw err;
          issues.push(...err.issues.map((i) => ({ path: `images.${name}.${i.path}`, message: i.message })));
        }
      }
      if (issues.length) throw new ConfigError(issues);
      for (const [name, input] of Object.entries(images)) await deps.store.putImage(name, input, deps.now().toISOString());
    },
    /** Deletes an image no node uses; 409 naming the nodes otherwise. */
    async remove(name: string): Promise<void> {
      const users = (await deps.store.listNodes()).filter((n) => imagesOf(n).includes(name));
      if (users.length) {
        const names = users.slice(0, 20).map((n) => n.hostname ?? n.id);
        throw new ConflictError(`image ${name}: in use by ${users.length} node(s): ${names.join(', ')}${users.length > 20 ? ', ...' : ''}; assign them another target first`, 'image-in-use');
      }
      await deps.store.deleteImage(name);
    },
  };
}

/** The image service. */
export type ImageService = ReturnType<typeof createImageService>;
