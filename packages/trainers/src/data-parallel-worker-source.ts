import { moduleWorkerSource } from "@tdrl/collectors/internal";
import { ANSWER_EXITED, STATUS_FAILED, Slot } from "./data-parallel-protocol";

/**
 * The script a `DataParallelLearner` worker starts with: it loads this package's module (sources or either
 * build, see `dataParallelWorkerModuleUrl`) and hands over to `dataParallelWorkerMain`. A failure while
 * loading is posted on the reply port and answered, and an exit of the thread is written to the control
 * buffer: the main thread waits on that buffer (it blocks in `Atomics.wait` and sees no events), so it
 * must hear of both there.
 */
export const DATA_PARALLEL_WORKER_SOURCE = moduleWorkerSource({
  mainName: "dataParallelWorkerMain",
  prelude: `const ctrl = new Int32Array(workerData.control);
process.on("exit", (code) => {
  Atomics.store(ctrl, ${Slot.EXIT_CODE}, code);
  Atomics.store(ctrl, ${Slot.ANSWER}, ${ANSWER_EXITED});
  Atomics.notify(ctrl, ${Slot.ANSWER});
});`,
  report: `workerData.port.postMessage(failure);
    Atomics.store(ctrl, ${Slot.STATUS}, ${STATUS_FAILED});
    Atomics.store(ctrl, ${Slot.ANSWER}, Atomics.load(ctrl, ${Slot.REQUEST}));
    Atomics.notify(ctrl, ${Slot.ANSWER});`,
});
