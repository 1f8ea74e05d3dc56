// Before any test: bundle the browser scripts (the HTML report's client and the
// SVG's) into dist/client/, as `npm run build` does, so pages rendered from the
// TypeScript sources carry the scripts as they are now.
// @ts-expect-error -- a plain ES module script without types
import { bundleClient } from '../viz/html/client/build.mjs';

export default async function setup(): Promise<void> {
  await (bundleClient as () => Promise<number>)();
}
