// `npm run serve -w playground` (and the root `npm run playground`): serves dist/ on 127.0.0.1:$PORT (5173).
import { fileURLToPath } from "node:url";
import { serveStatic } from "../src/static-server";

const port = Number(process.env.PORT ?? 5173);
const dir = fileURLToPath(new URL("../dist/", import.meta.url));
const { url } = await serveStatic(dir, port);
console.log(`tdrl playground: ${url}  (Ctrl-C to stop)`);
