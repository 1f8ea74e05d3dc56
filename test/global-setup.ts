// Before any test: bundle the HTML report's client (viz/html/client/) into
// dist/client/report.js, as `npm run build` does, so pages rendered from the
// TypeScript sources carry the client as it is now.
// @ts-expect-error -- a plain ES module script without types
import { bundleClient } from '../viz/html/client/build.mjs';

export default async function setup(): Promise<void> {
  await (bundleClient as () => Promise<number>)();
}
