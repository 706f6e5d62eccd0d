import { packageBuild } from "../../tsup.shared";

// dataParallelWorkerMain is a runtime export for the worker threads only: keep it out of the declarations.
export default packageBuild({}, { stripInternal: true });
