// Child process of process-handlers.test.ts: sets up the wasm backend, then fails the way a user's program
// would (argv[2]: "throw" for an uncaught error, "reject" for an unhandled rejection).
import { initBackend } from "../src/index.ts";

await initBackend({ prefer: "wasm" });
if (process.argv[2] === "reject") void Promise.reject(new Error("user rejection 7"));
else
  setTimeout(() => {
    throw new Error("user error 7");
  }, 0);
