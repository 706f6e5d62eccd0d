// The training worker: builds the tuned state-DQN run (the same core as the Node programs in apps/examples)
// and trains it one collected batch at a time, so that pause / reset / weights requests are served between
// batches, posting progress and the cart's states under the current greedy policy to the page.
import type { TensorDict } from "@tdrl/tensordict";
import { formatBackendReport, initBackend, type BackendReport } from "@tdrl/backend";
import { CartPoleEnv } from "@tdrl/envs";
import { SyncDataCollector } from "@tdrl/collectors";
import { saveWeights } from "@tdrl/modules";
import { buildDqn, type DqnRun } from "../../examples/src/core/build-dqn";
import { EpisodeStats } from "@tdrl/trainers";
import { mlpQNetwork } from "../../examples/src/core/q-network";
import { configFor, SOLVED_AT, weightsMetadata } from "./settings";
import { WASM_PATHS } from "./wasm-paths";
import type { CartFrame, FromWorker, PlaygroundSettings, Progress, ToWorker } from "./protocol";

const scope = self as unknown as {
  postMessage(message: FromWorker, transfer?: Transferable[]): void;
  onmessage: ((event: MessageEvent<ToWorker>) => void) | null;
};
const post = (message: FromWorker, transfer: Transferable[] = []) => scope.postMessage(message, transfer);

/** One training run: everything `reset` throws away. */
class Session {
  readonly settings: PlaygroundSettings;
  readonly config: ReturnType<typeof configFor>;
  readonly built: DqnRun;
  readonly collector: SyncDataCollector;
  readonly stats: EpisodeStats;
  readonly display: CartPoleEnv;
  private displayTd: TensorDict;
  frames = 0;
  episodes = 0;
  seconds = 0;
  lossSum = 0;
  lossCount = 0;
  solvedAtFrames: number | undefined;

  constructor(settings: PlaygroundSettings) {
    this.settings = settings;
    this.config = configFor(settings);
    const config = this.config;
    this.built = buildDqn(config, {
      env: new CartPoleEnv({ batchSize: [config.numEnvs], seed: config.seed }),
      makeEvalEnv: (n, seed) => new CartPoleEnv({ batchSize: [n], seed }),
      makeQNet: (rng) =>
        mlpQNetwork({ inFeatures: 4, numActions: 2, numCells: config.numCells, dueling: config.dueling, rng }),
      obsKeys: ["observation"],
      lossFunction: config.lossFunction,
    });
    const framesPerBatch = config.stepsPerBatch * config.numEnvs;
    this.collector = new SyncDataCollector(this.built.env, this.built.actor, {
      framesPerBatch,
      initRandomFrames: Math.ceil(config.initRandomFrames / framesPerBatch) * framesPerBatch,
      explorationType: "random",
    });
    this.stats = new EpisodeStats(config.numEnvs);
    this.display = new CartPoleEnv({ batchSize: [1], seed: 7 + config.seed });
    this.displayTd = this.display.reset();
  }

  /** Collects one batch, stores it, runs the gradient steps it owes; returns the progress to post. */
  trainBatch(): Progress {
    const { config, built, collector, stats } = this;
    const start = performance.now();
    const before = this.frames;
    const random = this.frames < config.initRandomFrames;
    const batch = collector.rollout();
    built.buffer.extend(batch);
    this.frames += collector.framesPerBatch;
    if (!random) built.actor.explore.step(collector.framesPerBatch);
    stats.add(batch);
    const returns = stats.takeEpisodes().map((e) => e.reward);
    if (returns.length > 0) built.targetSync.afterEpisodes(this.episodes, this.episodes + returns.length);
    this.episodes += returns.length;
    if (this.frames >= config.initRandomFrames) {
      const owed =
        Math.floor(this.frames * config.updatesPerFrame) - Math.floor(config.initRandomFrames * config.updatesPerFrame);
      while (built.learner.updates < owed) {
        this.lossSum += built.learner.update().loss;
        this.lossCount += 1;
      }
    }
    const progress: Progress = {
      kind: "progress",
      frames: this.frames,
      updates: built.learner.updates,
      episodes: this.episodes,
      returns,
      eps: random ? 1 : built.actor.explore.eps,
      loss: this.lossCount > 0 ? this.lossSum / this.lossCount : NaN,
      framesPerSecond: 0,
    };
    this.lossSum = 0;
    this.lossCount = 0;
    if (Math.floor(this.frames / config.evalEvery) > Math.floor(before / config.evalEvery)) {
      const evaluation = built.evaluateEpisodes(config.evalEpisodes, 1_000_000 + this.frames);
      progress.evalMean = evaluation.mean;
      if (this.solvedAtFrames === undefined && evaluation.mean >= SOLVED_AT) this.solvedAtFrames = this.frames;
    }
    const took = (performance.now() - start) / 1000;
    this.seconds += took;
    progress.framesPerSecond = collector.framesPerBatch / took;
    if (this.solvedAtFrames !== undefined) {
      progress.solvedAtFrames = this.solvedAtFrames;
      if (this.solvedAtFrames === this.frames) progress.solvedAtSeconds = this.seconds;
    }
    return progress;
  }

  /** Steps the display cart `steps` times under the greedy policy (a new episode when one ends). */
  cartFrames(steps: number): CartFrame[] {
    const frames: CartFrame[] = [];
    for (let i = 0; i < steps; i++) {
      this.built.actor.forward(this.displayTd, "deterministic");
      const [, next] = this.display.stepAndMaybeReset(this.displayTd);
      this.displayTd = next;
      const obs = next.getHost("observation").data;
      frames.push({ x: obs[0]!, theta: obs[2]! });
    }
    return frames;
  }

  dispose(): void {
    this.built.dispose();
    void this.collector.shutdown(); // closes the training env too
    this.display.close();
  }
}

let session: Session | null = null;
let running = false;
let backend: Promise<BackendReport> | null = null;

async function ensureBackend(settings: PlaygroundSettings): Promise<void> {
  if (backend === null) {
    backend = initBackend({ prefer: settings.backend, wasmPaths: WASM_PATHS });
    const report = await backend;
    post({ kind: "ready", backend: report, summary: formatBackendReport(report) });
  }
  await backend;
}

// Returns to the event loop so that messages (pause, weights) are handled between batches.
const yieldToEvents = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

async function trainWhileRunning(current: Session): Promise<void> {
  while (running && session === current && current.frames < current.config.totalFrames) {
    post(current.trainBatch());
    post({ kind: "cart", frames: current.cartFrames(25) });
    await yieldToEvents();
  }
  if (session === current && running) {
    running = false;
    post({ kind: "state", running: false });
  }
}

// While paused, the cart keeps moving under the (frozen) policy.
setInterval(() => {
  if (session !== null && !running) post({ kind: "cart", frames: session.cartFrames(5) });
}, 100);

async function handle(message: ToWorker): Promise<void> {
  switch (message.kind) {
    case "start": {
      await ensureBackend(message.settings);
      if (session === null) {
        session = new Session(message.settings);
      }
      if (running) return;
      running = true;
      post({ kind: "state", running: true });
      void trainWhileRunning(session).catch(fail);
      return;
    }
    case "pause":
      running = false;
      post({ kind: "state", running: false });
      return;
    case "reset":
      running = false;
      session?.dispose();
      session = null;
      post({ kind: "state", running: false });
      return;
    case "weights": {
      if (session === null) throw new Error("no network to download yet: start training first");
      const bytes = saveWeights(session.built.qnet, { metadata: weightsMetadata(session.settings, session.frames) });
      post({ kind: "weights", bytes, frames: session.frames }, [bytes.buffer as ArrayBuffer]);
      return;
    }
  }
}

function fail(error: unknown): void {
  running = false;
  post({ kind: "error", message: error instanceof Error ? `${error.message}` : String(error) });
}

scope.onmessage = (event) => {
  handle(event.data).catch(fail);
};
