// Child process of parameters.test.ts: builds a module in a process that never called initBackend().
import { MLP } from "../src/index.ts";

try {
  new MLP({ inFeatures: 4, outFeatures: 2, numCells: [8] });
  console.log("built");
} catch (error) {
  console.log((error as Error).message);
}
