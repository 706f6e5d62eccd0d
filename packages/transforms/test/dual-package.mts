// Child process of dual-package.test.ts: the same tdrl packages loaded twice in one process, as an ES module
// (import) and as CommonJS (require), the way an app mixing the two module systems gets them. Prints one
// line per case: "<case>: ok" or "<case>: <error message>".
import { createRequire } from "node:module";
import { Composite, HostArray, TensorDict, Unbounded } from "@tdrl/tensordict";
import { CartPoleEnv, EnvBase } from "@tdrl/envs";
import { Compose, StepCounter, TransformedEnv } from "../src/index.ts";

const require = createRequire(import.meta.url);
const cjsTd = require("../../tensordict/src/index.ts") as typeof import("@tdrl/tensordict");
const cjsEnvs = require("../../envs/src/index.ts") as typeof import("@tdrl/envs");

function check(name: string, run: () => unknown): void {
  try {
    run();
    console.log(`${name}: ok`);
  } catch (error) {
    console.log(`${name}: ${(error as Error).message.split("\n")[0]}`);
  }
}

console.log(`two copies: ${cjsTd.TensorDict !== TensorDict && cjsEnvs.EnvBase !== EnvBase}`);
check("ESM TensorDict from a CJS env's leaves", () => {
  const root = new cjsEnvs.CartPoleEnv().reset();
  const td = new TensorDict({ observation: root.getHost("observation"), done: root.getHost("done") }, []);
  if (!(td.get("observation") instanceof HostArray)) throw new Error("observation is not a HostArray");
});
check("ESM TensorDict nesting a CJS TensorDict", () => {
  const inner = new cjsTd.TensorDict({ a: cjsTd.HostArray.zeros("float32", [2]) }, [2]);
  const td = new TensorDict({ inner }, [2]);
  td.getHost("inner.a");
});
check("ESM env steps a CJS record", () => {
  const env = new CartPoleEnv();
  env.reset();
  const td = new cjsTd.TensorDict({ action: cjsTd.HostArray.from("int32", [], [1]) }, []);
  env.step(td as unknown as TensorDict);
});
check("ESM Composite holding a CJS spec", () => {
  const spec = new Composite({ x: new cjsTd.Unbounded({ shape: [3] }) });
  spec.assert(new TensorDict({ x: HostArray.zeros("float32", [3]) }) as never);
});
check("CJS Composite holding an ESM spec", () => {
  new cjsTd.Composite({ x: new Unbounded({ shape: [3] }) });
});
check("ESM TransformedEnv over a CJS env with ESM transforms", () => {
  const env = new TransformedEnv(new cjsEnvs.CartPoleEnv() as unknown as EnvBase, new Compose(new StepCounter()));
  const rollout = env.rollout(5);
  rollout.getHost("next.step_count");
});
class MyEnv extends CartPoleEnv {}
console.log(
  `an unbranded subclass keeps the ordinary instanceof: ${!(new CartPoleEnv() instanceof MyEnv) && new MyEnv() instanceof MyEnv && new MyEnv() instanceof cjsEnvs.EnvBase}`,
);
